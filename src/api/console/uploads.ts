/**
 * Console uploads: the browser's body streams through this route into the object store as the
 * signed-in identity (PutObject, or S3 multipart for bodies over one part), while the bytes the
 * server has actually read are counted for the page to poll. Cancel aborts the multipart
 * upload and leaves nothing behind.
 */
import type { Readable } from 'node:stream';
import { AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, PutObjectCommand, UploadPartCommand, type S3Client } from '@aws-sdk/client-s3';

/** S3's smallest part but the last; parts this size keep memory at one part per upload. */
export const PART_SIZE = 8 * 1024 * 1024;

export type UploadState = 'receiving' | 'completed' | 'cancelled' | 'failed';

export interface UploadProgress {
  id: string;
  bucket: string;
  key: string;
  /** The body's length the browser declared (Content-Length), when it did. */
  total?: number;
  /** Bytes the server has read from the browser so far. */
  received: number;
  /** Bytes the object store has acknowledged (parts uploaded). */
  stored: number;
  state: UploadState;
  owner: string;
  error?: { code: string; message: string };
}

class Cancelled extends Error {
  constructor() {
    super('The upload was cancelled.');
  }
}

interface Live {
  progress: UploadProgress;
  cancel: () => void;
  settled: Promise<void>;
}

/** A hold on reading, for tests to look at progress mid-upload: reading stops once `atBytes` are in. */
export interface Hold {
  atBytes: number;
  release: () => void;
}

/** The uploads of one server: in flight and recently finished (kept for the page's last poll). */
export class ConsoleUploads {
  private readonly live = new Map<string, Live>();
  private hold: { atBytes: number; released: Promise<void>; release: () => void } | undefined;
  /** Called with every upload's progress as it changes (the server's own count, observable by tests). */
  onProgress: ((p: UploadProgress) => void) | undefined;

  /** Tests: pause every upload's reading once it has received `atBytes`, until released. */
  holdAt(atBytes: number): Hold {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    this.hold = { atBytes, released, release };
    return { atBytes, release: () => { this.hold = undefined; release(); } };
  }

  get(id: string): UploadProgress | undefined {
    return this.live.get(id)?.progress;
  }

  /** Cancels an upload and waits until its multipart upload is aborted. */
  async cancel(id: string): Promise<UploadProgress | undefined> {
    const live = this.live.get(id);
    if (!live) return undefined;
    live.cancel();
    await live.settled;
    return live.progress;
  }

  async receive(s3: S3Client, body: Readable, p: Omit<UploadProgress, 'received' | 'stored' | 'state'> & { contentType?: string }): Promise<UploadProgress> {
    if (this.live.has(p.id)) throw new Error(`An upload with id ${p.id} is already under way.`);
    const progress: UploadProgress = { id: p.id, bucket: p.bucket, key: p.key, owner: p.owner, ...(p.total !== undefined ? { total: p.total } : {}), received: 0, stored: 0, state: 'receiving' };
    let cancelled = false;
    let wake: (() => void) | undefined;
    const live: Live = { progress, cancel: () => { cancelled = true; body.destroy(new Cancelled()); wake?.(); }, settled: Promise.resolve() };
    const changed = () => this.onProgress?.({ ...progress });
    const run = async () => {
      let uploadId: string | undefined;
      const parts: Array<{ PartNumber: number; ETag: string }> = [];
      const common = { Bucket: p.bucket, Key: p.key };
      try {
        let pending: Buffer[] = [];
        let pendingBytes = 0;
        const flushPart = async (chunk: Buffer) => {
          uploadId ??= (await s3.send(new CreateMultipartUploadCommand({ ...common, ...(p.contentType ? { ContentType: p.contentType } : {}) }))).UploadId!;
          if (cancelled) throw new Cancelled();
          const PartNumber = parts.length + 1;
          const reply = await s3.send(new UploadPartCommand({ ...common, UploadId: uploadId, PartNumber, Body: chunk, ContentLength: chunk.length }));
          parts.push({ PartNumber, ETag: reply.ETag! });
          progress.stored += chunk.length;
          changed();
        };
        for await (const piece of body) {
          const chunk = piece as Buffer;
          progress.received += chunk.length;
          changed();
          pending.push(chunk);
          pendingBytes += chunk.length;
          while (pendingBytes >= PART_SIZE) {
            const all = Buffer.concat(pending);
            pending = [all.subarray(PART_SIZE)];
            pendingBytes = all.length - PART_SIZE;
            await flushPart(all.subarray(0, PART_SIZE));
          }
          const hold = this.hold;
          if (hold && progress.received >= hold.atBytes) await Promise.race([hold.released, new Promise<void>((r) => (wake = r))]);
          if (cancelled) throw new Cancelled();
        }
        if (cancelled) throw new Cancelled();
        const rest = Buffer.concat(pending);
        if (uploadId === undefined) {
          await s3.send(new PutObjectCommand({ ...common, Body: rest, ContentLength: rest.length, ...(p.contentType ? { ContentType: p.contentType } : {}) }));
          progress.stored += rest.length;
        } else {
          if (rest.length > 0 || parts.length === 0) await flushPart(rest);
          await s3.send(new CompleteMultipartUploadCommand({ ...common, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
        }
        progress.state = 'completed';
      } catch (error) {
        progress.state = cancelled || error instanceof Cancelled ? 'cancelled' : 'failed';
        if (progress.state === 'failed') progress.error = { code: (error as Error).name || 'Error', message: (error as Error).message };
        // Nothing is left behind: the parts already stored go with the multipart upload.
        if (uploadId !== undefined) await s3.send(new AbortMultipartUploadCommand({ ...common, UploadId: uploadId })).catch(() => undefined);
      } finally {
        changed();
        // Finished uploads stay a minute for the page's last poll.
        setTimeout(() => this.live.delete(p.id), 60_000).unref();
      }
    };
    this.live.set(p.id, live);
    live.settled = run();
    await live.settled;
    return progress;
  }
}
