/**
 * Downloads that survive bad networks (anchors.md §3.2, §4): written to a
 * part file inside --dir beside the destination, resumed with Range after a
 * reconnect or a restart (progress kept on disk), a 403 answered by asking
 * for a freshly signed link, failures retried a bounded number of times with
 * jittered back-off (never a loop that burns bandwidth), the checksum
 * verified, then fsync and an atomic rename. A checksum mismatch leaves no
 * file behind.
 */
import { mkdir, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import type https from 'node:https';
import type { IncomingMessage } from 'node:http';
import pino, { type Logger } from 'pino';
import { syncDirectory } from '../fs/write-atomic.js';
import { Backoff, sleep as realSleep, type BackoffOptions } from './backoff.js';
import type { Checksum, HashAlgorithm } from './checksum.js';
import { discardBody, httpGet, readSmallBody, s3Error } from './http-get.js';
import { failed, isJobError, JobCanceled } from './outcome.js';
import { PartialFile, removePartial, partPathFor } from './partial-file.js';

export interface DownloadSettings {
  /** https.Agent trusting the kit's CA and the system roots. */
  agent?: https.Agent;
  /** Failed attempts in a row that made no progress before giving up. Default 6. */
  maxRetries?: number;
  /** Attempts in all, progress or not, before giving up. Default 50. */
  maxAttempts?: number;
  /** Fresh links asked for in a row without progress before giving up. Default 3. */
  maxRefreshes?: number;
  backoff?: BackoffOptions;
  /** No bytes for this long → the attempt fails (and is retried). Default 60 s. */
  idleTimeoutMs?: number;
  /** fsync and record progress every this many bytes. Default 1 MiB. */
  checkpointBytes?: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  log?: Logger;
}

export interface DownloadProgress {
  bytes: number;
  total?: number;
  /** 0–100, when the total is known. */
  percent?: number;
}

export interface DownloadRequest {
  url: string;
  /** Absolute and inside --dir (see paths.ts resolveInside). */
  destination: string;
  checksum?: Checksum;
  /** Expected size in bytes, if the document says. */
  size?: number;
  /** A freshly signed link to the same file, for when this one is refused (403, e.g. expired). */
  refreshUrl?: () => Promise<string>;
  onProgress?: (progress: DownloadProgress) => void;
  signal?: AbortSignal;
}

export interface DownloadedFile {
  /** Where the file is (or will be, once committed). */
  destination: string;
  bytes: number;
  sha256: string;
  /** The byte offset this run resumed from (0 when it started afresh). */
  resumedFrom: number;
}

/** A verified download waiting in its part file: commit() renames it into place, discard() throws it away. */
export interface FetchedFile extends DownloadedFile {
  commit(): Promise<void>;
  discard(): Promise<void>;
}

type AttemptResult = { kind: 'done' } | { kind: 'retry'; why: string } | { kind: 'refresh'; why: string; expired: boolean };

const MiB = 1024 * 1024;

/**
 * Failures after which the part file is kept: the network gave up or the link
 * could not be renewed, so a retry of the job (a new execution, a fresh link
 * to the same object) resumes where this one stopped. Wrong bytes (checksum,
 * size) or a missing object leave nothing behind.
 */
const KEEP_ON_FAILURE = new Set(['download-failed', 'link-expired']);

export class Downloader {
  private readonly log: Logger;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(private readonly settings: DownloadSettings = {}) {
    this.log = settings.log ?? pino({ level: 'silent' });
    this.sleep = settings.sleep ?? realSleep;
  }

  /** Fetches, verifies and renames into place. */
  async download(req: DownloadRequest): Promise<DownloadedFile> {
    const { commit, discard: _discard, ...file } = await this.fetch(req);
    await commit();
    return file;
  }

  /** Fetches and verifies into the part file; the caller commits (so several files can be put in place together). */
  async fetch(req: DownloadRequest): Promise<FetchedFile> {
    await mkdir(dirname(req.destination), { recursive: true });
    const algorithms: HashAlgorithm[] = ['sha256', ...(req.checksum ? [req.checksum.algorithm] : [])];
    const part = await PartialFile.open(req.destination, req.url, algorithms);
    if (part.resumedFrom > 0) this.log.info({ destination: req.destination, offset: part.resumedFrom }, 'resuming a partial download');
    try {
      await this.transfer(req, part);
      await this.verify(req, part);
      await part.finish();
    } catch (error) {
      const keep = req.signal?.reason instanceof JobCanceled ? false : isJobError(error) ? KEEP_ON_FAILURE.has(error.reason) : true;
      if (keep) await part.suspend().catch(() => {});
      else await part.remove();
      throw error;
    }
    const file: DownloadedFile = { destination: req.destination, bytes: part.bytes, sha256: part.digest('sha256'), resumedFrom: part.resumedFrom };
    return {
      ...file,
      commit: async () => {
        await rename(part.partPath, req.destination);
        syncDirectory(dirname(req.destination));
        await removePartial(part.partPath);
      },
      discard: () => removePartial(part.partPath),
    };
  }

  /** Removes what an interrupted download of `destination` left behind. */
  discard(destination: string): Promise<void> {
    return removePartial(partPathFor(destination));
  }

  private async transfer(req: DownloadRequest, part: PartialFile): Promise<void> {
    const maxRetries = this.settings.maxRetries ?? 6;
    const maxAttempts = this.settings.maxAttempts ?? 50;
    const maxRefreshes = this.settings.maxRefreshes ?? 3;
    const backoff = new Backoff(this.settings.backoff);
    let url = req.url;
    let failures = 0;
    let refreshes = 0;
    for (let attempt = 1; ; attempt += 1) {
      req.signal?.throwIfAborted();
      const before = part.bytes;
      let result: AttemptResult;
      try {
        result = await this.attempt(url, req, part);
      } catch (error) {
        if (isJobError(error) || req.signal?.aborted) throw error;
        result = { kind: 'retry', why: (error as Error).message };
      }
      if (result.kind === 'done') return;
      if (part.bytes > before) {
        failures = 0;
        refreshes = 0;
        backoff.reset();
      }
      if (attempt >= maxAttempts) throw failed('download-failed', `Gave up after ${attempt} attempts; the last: ${result.why}`);
      if (result.kind === 'refresh') {
        refreshes += 1;
        const fresh = refreshes <= maxRefreshes && req.refreshUrl ? await req.refreshUrl() : undefined;
        if (fresh === undefined || fresh === url) {
          throw failed(result.expired ? 'link-expired' : 'access-denied', `The download link was refused and no fresh one could be had: ${result.why}`);
        }
        this.log.info({ destination: req.destination, why: result.why }, 'the link was refused; continuing with a freshly signed one');
        url = fresh;
        await part.follow(url);
        continue;
      }
      failures += 1;
      if (failures > maxRetries) throw failed('download-failed', `Gave up after ${failures} failed attempts in a row; the last: ${result.why}`);
      const wait = backoff.next();
      this.log.warn({ destination: req.destination, why: result.why, failures, waitMs: wait }, 'download attempt failed; retrying');
      await part.checkpoint();
      await this.sleep(wait, req.signal);
    }
  }

  private async attempt(url: string, req: DownloadRequest, part: PartialFile): Promise<AttemptResult> {
    const headers: Record<string, string> = {};
    if (part.bytes > 0) {
      headers.range = `bytes=${part.bytes}-`;
      // S3 answers 412 if the object changed since the part began (aws-wire-protocols.md §4.2 conditional GET).
      if (part.etag) headers['if-match'] = part.etag;
    }
    const res = await httpGet(url, {
      headers,
      idleTimeoutMs: this.settings.idleTimeoutMs ?? 60_000,
      ...(this.settings.agent ? { agent: this.settings.agent } : {}),
      ...(req.signal ? { signal: req.signal } : {}),
    });
    const status = res.statusCode ?? 0;
    if (status === 200 || status === 206) return this.receive(res, req, part);
    if (status === 416 && part.total !== undefined && part.bytes === part.total) {
      discardBody(res);
      return { kind: 'done' };
    }
    if (status === 412 || status === 416) {
      discardBody(res);
      await part.reset();
      return { kind: 'retry', why: `HTTP ${status}: the file changed since the download began; starting again` };
    }
    const body = await readSmallBody(res);
    const err = s3Error(body);
    const why = `HTTP ${status}${err.code ? ` ${err.code}` : ''}${err.message ? `: ${err.message}` : ''}`;
    if (status === 403) return { kind: 'refresh', why, expired: /expired/i.test(err.message ?? '') };
    if (status === 404) throw failed('not-found', `The file is not there (${why}).`);
    if (status === 408 || status === 429 || status >= 500) return { kind: 'retry', why };
    throw failed('download-failed', `The server refused the download (${why}).`);
  }

  /** Streams a 200 or 206 into the part file. */
  private async receive(res: IncomingMessage, req: DownloadRequest, part: PartialFile): Promise<AttemptResult> {
    const status = res.statusCode;
    const etag = headerOf(res, 'etag');
    if (status === 200) {
      // A full body: the server ignored the range, or this is the first attempt.
      if (part.bytes > 0) await part.reset();
      const length = Number(headerOf(res, 'content-length'));
      part.total = Number.isInteger(length) && length >= 0 ? length : undefined;
    } else {
      const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(headerOf(res, 'content-range') ?? '');
      if (!range || Number(range[1]) !== part.bytes) {
        discardBody(res);
        await part.reset();
        return { kind: 'retry', why: `the server answered a different range (${headerOf(res, 'content-range') ?? 'none'})` };
      }
      if (range[3] !== '*') part.total = Number(range[3]);
    }
    if (etag !== undefined) part.etag = etag;
    const checkpointBytes = this.settings.checkpointBytes ?? MiB;
    try {
      for await (const chunk of res) {
        await part.append(chunk as Buffer, checkpointBytes);
        req.onProgress?.(progressOf(part));
      }
    } catch (error) {
      if (req.signal?.aborted) throw req.signal.reason;
      return { kind: 'retry', why: `the connection broke after ${part.bytes} bytes: ${(error as Error).message}` };
    }
    if (part.total !== undefined && part.bytes < part.total) return { kind: 'retry', why: `the body ended at ${part.bytes} of ${part.total} bytes` };
    if (part.total !== undefined && part.bytes > part.total) {
      await part.reset();
      return { kind: 'retry', why: 'more bytes arrived than the file holds; starting again' };
    }
    return { kind: 'done' };
  }

  private async verify(req: DownloadRequest, part: PartialFile): Promise<void> {
    if (req.size !== undefined && part.bytes !== req.size) {
      throw failed('size-mismatch', `Expected ${req.size} bytes, got ${part.bytes}.`);
    }
    if (req.checksum) {
      const actual = part.digest(req.checksum.algorithm);
      if (actual !== req.checksum.value) {
        throw failed('checksum-mismatch', `The ${req.checksum.algorithm} of the download is ${actual}, not ${req.checksum.value} as the job says.`);
      }
    }
  }
}

const headerOf = (res: IncomingMessage, name: string): string | undefined => {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

function progressOf(part: PartialFile): DownloadProgress {
  if (part.total === undefined || part.total === 0) return { bytes: part.bytes };
  return { bytes: part.bytes, total: part.total, percent: Math.floor((part.bytes * 100) / part.total) };
}

