/**
 * Uploads (devices sending their logs): the agent's role credentials, from
 * the credentials provider, sign a PutObject — or a multipart upload for a
 * large file — so what a device may write is exactly what its role allows.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type https from 'node:https';
import { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { CertificateCredentials } from './credentials.js';
import { failed, isJobError, rejected } from './outcome.js';

export interface UploadSettings {
  /** Where S3 is: the kit's `endpoints.s3` (omitted = AWS's regional endpoint). */
  s3Endpoint?: string;
  region: string;
  /** The role credentials; without them uploads are REJECTED (no role alias configured). */
  credentials?: CertificateCredentials;
  /** https.Agent trusting the kit's CA and the system roots. */
  agent?: https.Agent;
  /** Path-style addressing (Ferry's own). Default true. */
  forcePathStyle?: boolean;
  /** Files larger than this go up in parts of this size. Default 8 MiB (S3's minimum part is 5 MiB). */
  partSize?: number;
}

export interface UploadRequest {
  /** Absolute and inside --dir. */
  file: string;
  bucket: string;
  key: string;
  contentType?: string;
  signal?: AbortSignal;
  onProgress?: (progress: { bytes: number; total: number; percent: number }) => void;
}

export interface UploadedFile {
  bucket: string;
  key: string;
  bytes: number;
  etag?: string;
}

const MiB = 1024 * 1024;

export class Uploader {
  private client: S3Client | undefined;

  constructor(private readonly settings: UploadSettings) {}

  private s3(): S3Client {
    const { credentials, s3Endpoint, region, agent } = this.settings;
    if (!credentials) throw rejected('no-credentials', 'This agent has no role alias and credentials endpoint configured, so it cannot upload.');
    this.client ??= new S3Client({
      region,
      ...(s3Endpoint ? { endpoint: s3Endpoint } : {}),
      forcePathStyle: this.settings.forcePathStyle ?? true,
      credentials: credentials.provider(),
      ...(agent ? { requestHandler: { httpsAgent: agent } } : {}),
      maxAttempts: 3,
    });
    return this.client;
  }

  async upload(req: UploadRequest): Promise<UploadedFile> {
    const client = this.s3();
    const info = await stat(req.file).catch(() => undefined);
    if (!info?.isFile()) throw failed('file-not-found', `There is no file at ${req.file} to upload.`);
    const total = info.size;
    const upload = new Upload({
      client,
      params: {
        Bucket: req.bucket,
        Key: req.key,
        Body: createReadStream(req.file),
        ContentLength: total,
        ...(req.contentType ? { ContentType: req.contentType } : {}),
      },
      partSize: Math.max(5 * MiB, this.settings.partSize ?? 8 * MiB),
      queueSize: 2,
      leavePartsOnError: false,
    });
    upload.on('httpUploadProgress', (p) => {
      const bytes = p.loaded ?? 0;
      req.onProgress?.({ bytes, total, percent: total === 0 ? 100 : Math.floor((bytes * 100) / total) });
    });
    const onAbort = () => void upload.abort().catch(() => {});
    req.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const out = await upload.done();
      return { bucket: req.bucket, key: req.key, bytes: total, ...(out.ETag ? { etag: out.ETag } : {}) };
    } catch (error) {
      if (req.signal?.aborted) throw req.signal.reason;
      throw uploadError(error, req);
    } finally {
      req.signal?.removeEventListener('abort', onAbort);
    }
  }

  close(): void {
    this.client?.destroy();
    this.client = undefined;
  }
}

function uploadError(error: unknown, req: UploadRequest): Error {
  if (isJobError(error)) return error;
  const e = error as Error & { $metadata?: { httpStatusCode?: number }; Code?: string };
  const target = `s3://${req.bucket}/${req.key}`;
  if (e.name === 'AccessDenied' || e.$metadata?.httpStatusCode === 403) {
    return failed('upload-denied', `S3 refused the upload to ${target}: ${e.message}`);
  }
  return failed('upload-failed', `The upload to ${target} failed (${e.name}): ${e.message}`);
}
