/**
 * What the download shapes share: a list of files, each with a link, a
 * destination inside --dir and maybe a checksum. All destinations (and the
 * hook, if the document names one) are checked before any byte is fetched;
 * every file is fetched and verified before any is put in place; then the
 * files are renamed into place together and the hook runs.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, relative } from 'node:path';
import { newHash, type Checksum } from '../checksum.js';
import type { FetchedFile } from '../download.js';
import { failed, isJobError, rejected } from '../outcome.js';
import type { JobContext, JobDocument, JobOutcome, StatusDetails } from '../types.js';

export interface FileSpec {
  url: string;
  /** As the document gives it: relative to --dir, or absolute inside it. */
  destination: string;
  checksum?: Checksum;
  size?: number;
}

/** Where file `index` of a document (asked for again) is now: its freshly signed link. */
export type UrlAgain = (document: JobDocument, index: number) => string | undefined;

export async function fetchFiles(job: JobContext, files: FileSpec[], urlAgain: UrlAgain): Promise<JobOutcome> {
  if (files.length === 0) throw rejected('invalid-document', 'The job names no file to download.');
  const targets = files.map((f) => job.resolvePath(f.destination));
  const hook = job.document.hook;
  if (hook !== undefined) job.tools.hooks.check(hook);

  const fetched: FetchedFile[] = [];
  let bytes = 0;
  try {
    for (const [i, file] of files.entries()) {
      const destination = targets[i]!;
      const label = basename(destination);
      const position: StatusDetails = files.length > 1 ? { fileIndex: `${i + 1}/${files.length}` } : {};
      if (await alreadyThere(destination, file.checksum)) {
        job.log.info({ destination }, 'the file is already there with the right checksum');
        continue;
      }
      job.progress({ step: 'downloading', file: label, ...position }, { force: true });
      const got = await job.tools.download.fetch({
        url: file.url,
        destination,
        ...(file.checksum ? { checksum: file.checksum } : {}),
        ...(file.size !== undefined ? { size: file.size } : {}),
        signal: job.signal,
        refreshUrl: async () => {
          const url = urlAgain(await job.refreshDocument(), i);
          if (!url) throw failed('invalid-document', `The job asked for again no longer has a link for ${label}.`);
          return url;
        },
        onProgress: (p) =>
          job.progress(
            {
              step: 'downloading',
              file: label,
              ...position,
              bytes: String(p.bytes),
              ...(p.total !== undefined ? { totalBytes: String(p.total) } : {}),
              ...(p.percent !== undefined ? { percent: String(p.percent) } : {}),
            },
            p.percent !== undefined ? { percent: p.percent } : {},
          ),
      });
      fetched.push(got);
      bytes += got.bytes;
    }
  } catch (error) {
    // A failed job leaves nothing behind; an interrupted one keeps its parts for the resume.
    if (isJobError(error)) await Promise.all(fetched.map((f) => f.discard()));
    throw error;
  }
  job.progress({ step: 'installing', files: String(files.length) }, { force: true });
  for (const f of fetched) await f.commit();

  const details: StatusDetails = { files: String(files.length), bytes: String(bytes) };
  if (files.length === 1) {
    details.file = relative(job.dir, targets[0]!);
    if (fetched[0]) details.sha256 = fetched[0].sha256;
    if (fetched[0]?.resumedFrom) details.resumedFrom = String(fetched[0].resumedFrom);
  }
  if (typeof hook === 'string') {
    job.progress({ step: 'hook', hook }, { force: true });
    const env = { FERRY_JOB_ID: job.execution.jobId, FERRY_OPERATION: String(job.document.operation ?? ''), FERRY_DIR: job.dir };
    const ran = await job.tools.hooks.run(hook, targets, env, job.signal);
    details.hook = hook;
    if (ran.stdout) details.hookOutput = ran.stdout;
  }
  return { status: 'SUCCEEDED', details };
}

/** A destination that already holds exactly the expected bytes (a job re-run after a restart). */
async function alreadyThere(path: string, checksum: Checksum | undefined): Promise<boolean> {
  if (!checksum) return false;
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) return false;
  const hash = newHash(checksum.algorithm);
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex') === checksum.value;
}

// ---- document fields ----

export function stringField(obj: Record<string, unknown>, name: string, where = 'The job document'): string {
  const v = obj[name];
  if (typeof v !== 'string' || v === '') throw rejected('invalid-document', `${where} needs a '${name}' string.`);
  return v;
}

export function optionalString(obj: Record<string, unknown>, name: string): string | undefined {
  const v = obj[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v === '') throw rejected('invalid-document', `'${name}' must be a non-empty string.`);
  return v;
}

export function optionalSize(obj: Record<string, unknown>, name: string): number | undefined {
  const v = obj[name];
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw rejected('invalid-document', `'${name}' must be a number of bytes.`);
  return n;
}

/** The file name a link points at: the last segment of its path, decoded. */
export function fileNameOf(url: string): string {
  let name = '';
  try {
    const segments = new URL(url).pathname.split('/');
    name = decodeURIComponent(segments[segments.length - 1] ?? '');
  } catch {
    /* refused below */
  }
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\\')) {
    throw rejected('invalid-document', 'The link does not end in a file name; name the destination in the job document.');
  }
  return name;
}
