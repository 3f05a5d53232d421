import type { Readable } from 'node:stream';
import type { ByteRange } from './types.js';

/** A blob written but not yet visible: commit it once its metadata row is in the database. */
export interface StagedBlob {
  id: string;
  size: number;
}

/**
 * Where object bytes live. Blobs are named by ids the store chooses, never
 * by keys. The write protocol: `put` streams into a staged blob and returns
 * once it is durable; the caller commits its metadata row, then `commit`s
 * the blob (or `discard`s it). A blob whose row was committed but which was
 * not yet committed itself (a crash in between) is found by `staged()` on
 * the next start and committed then.
 */
export interface BlobStore {
  /** Prepares the store (folders, connections). */
  open(): Promise<void>;
  put(source: Readable): Promise<StagedBlob>;
  /** Makes a staged blob readable. A blob deleted meanwhile is not an error. */
  commit(id: string): Promise<void>;
  /** Removes a staged blob. */
  discard(id: string): Promise<void>;
  /** Opens the blob (failing now, not mid-stream, if it is missing) and streams the range, or all of it. */
  read(id: string, range?: ByteRange): Promise<Readable>;
  /** Removes a blob, committed or staged; a missing blob is not an error. */
  delete(id: string): Promise<void>;
  stat(id: string): Promise<{ size: number } | null>;
  /**
   * Ids of staged blobs (start-up recovery). `olderThanMs`: only those staged
   * at least that long ago (a shared directory: younger ones may be another
   * node's uploads in flight).
   */
  staged(options?: { olderThanMs?: number }): Promise<string[]>;
}
