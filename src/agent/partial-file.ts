/**
 * A download in progress, kept on disk beside its destination so it survives
 * a restart: `.NAME.ferry-part` holds the bytes, `.NAME.ferry-part.json` the
 * progress checkpoint (source, ETag, total size, bytes known durable). The
 * checkpoint is written only after an fsync of the part, so after a power
 * cut the part is cut back to the checkpoint and never trusted beyond it.
 */
import { createReadStream } from 'node:fs';
import { open, readFile, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Hash } from 'node:crypto';
import { writeFileAtomic } from '../fs/write-atomic.js';
import { newHash, type HashAlgorithm } from './checksum.js';

const PART_SUFFIX = '.ferry-part';

export interface PartialState {
  version: 1;
  /** The URL without its query (a fresh signature of the same object is the same source). */
  source: string;
  etag?: string;
  total?: number;
  /** Bytes known to be on disk (fsynced). */
  bytes: number;
}

export const partPathFor = (destination: string): string => join(dirname(destination), `.${basename(destination)}${PART_SUFFIX}`);
const statePathFor = (partPath: string): string => `${partPath}.json`;

/** origin + path of a URL: what stays the same when a link is signed again. */
export function sourceOf(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}

export class PartialFile {
  private hashes = new Map<HashAlgorithm, Hash>();
  private checkpointed = 0;
  bytes = 0;
  etag: string | undefined;
  total: number | undefined;
  /** Where this attempt began (0, or the offset resumed from). */
  resumedFrom = 0;

  private constructor(
    readonly partPath: string,
    private source: string,
    private fd: FileHandle,
    private readonly algorithms: HashAlgorithm[],
  ) {}

  /**
   * Opens the part for `destination`: resumes it when its checkpoint names the
   * same source, else starts empty. The digests of the kept bytes are computed
   * again from disk.
   */
  static async open(destination: string, url: string, algorithms: HashAlgorithm[]): Promise<PartialFile> {
    const partPath = partPathFor(destination);
    const source = sourceOf(url);
    const state = await readState(partPath);
    const keep = state && state.source === source ? state : undefined;
    const fd = await open(partPath, 'a+').then(async (h) => {
      await h.close();
      return open(partPath, 'r+');
    });
    const part = new PartialFile(partPath, source, fd, [...new Set(algorithms)]);
    if (keep) {
      const size = (await fd.stat()).size;
      part.bytes = Math.min(size, keep.bytes);
      part.etag = keep.etag;
      part.total = keep.total;
    }
    await fd.truncate(part.bytes);
    part.checkpointed = part.bytes;
    part.resumedFrom = part.bytes;
    await part.rehash();
    return part;
  }

  private async rehash(): Promise<void> {
    this.hashes = new Map(this.algorithms.map((a) => [a, newHash(a)]));
    if (this.bytes === 0) return;
    for await (const chunk of createReadStream(this.partPath, { start: 0, end: this.bytes - 1 })) {
      for (const h of this.hashes.values()) h.update(chunk as Buffer);
    }
  }

  /** Back to nothing (the object changed, or the server ignored the range). */
  async reset(url?: string): Promise<void> {
    if (url) this.source = sourceOf(url);
    await this.fd.truncate(0);
    this.bytes = 0;
    this.checkpointed = 0;
    this.etag = undefined;
    this.total = undefined;
    await this.rehash();
  }

  /** Follows a freshly signed link; a different object starts from nothing. */
  async follow(url: string): Promise<void> {
    if (sourceOf(url) !== this.source) await this.reset(url);
  }

  async append(chunk: Buffer, checkpointBytes: number): Promise<void> {
    let written = 0;
    while (written < chunk.length) {
      const { bytesWritten } = await this.fd.write(chunk, written, chunk.length - written, this.bytes + written);
      written += bytesWritten;
    }
    for (const h of this.hashes.values()) h.update(chunk);
    this.bytes += chunk.length;
    if (this.bytes - this.checkpointed >= checkpointBytes) await this.checkpoint();
  }

  /** fsync, then record the bytes as durable. */
  async checkpoint(): Promise<void> {
    await this.fd.sync();
    const state: PartialState = { version: 1, source: this.source, bytes: this.bytes };
    if (this.etag !== undefined) state.etag = this.etag;
    if (this.total !== undefined) state.total = this.total;
    writeFileAtomic(statePathFor(this.partPath), JSON.stringify(state), 0o600);
    this.checkpointed = this.bytes;
  }

  /** Lowercase hex digest of everything written so far. */
  digest(algorithm: HashAlgorithm): string {
    const h = this.hashes.get(algorithm);
    if (!h) throw new Error(`no ${algorithm} digest was kept`);
    return h.copy().digest('hex');
  }

  /** fsync and close: the part is complete and about to be renamed. */
  async finish(): Promise<void> {
    await this.fd.sync();
    await this.fd.close();
  }

  /** Keeps the part for a later resume (the agent stops or the network gave up). */
  async suspend(): Promise<void> {
    try {
      await this.checkpoint();
    } finally {
      await this.fd.close().catch(() => {});
    }
  }

  /** Throws the part and its checkpoint away. */
  async remove(): Promise<void> {
    await this.fd.close().catch(() => {});
    await removePartial(this.partPath);
  }
}

export async function removePartial(partPath: string): Promise<void> {
  await rm(partPath, { force: true });
  await rm(statePathFor(partPath), { force: true });
}

async function readState(partPath: string): Promise<PartialState | undefined> {
  try {
    const parsed = JSON.parse(await readFile(statePathFor(partPath), 'utf8')) as PartialState;
    return parsed.version === 1 && typeof parsed.source === 'string' && Number.isInteger(parsed.bytes) && parsed.bytes >= 0 ? parsed : undefined;
  } catch {
    return undefined;
  }
}
