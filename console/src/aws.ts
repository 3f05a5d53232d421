/**
 * IAM and S3 from the console: each call is one AWS operation (the SDK's input and output
 * shapes) run on the server as the signed-in identity. Uploads stream to a console route and
 * their progress is the server's own count of bytes received.
 */
import { ApiError, request } from './api.js';

type Json = Record<string, unknown>;

export async function iam<T = Json>(action: string, input: Json = {}): Promise<T> {
  return ((await request('POST', 'api/iam', { action, input })) as { output: T }).output;
}

export async function s3<T = Json>(action: string, input: Json = {}): Promise<T> {
  return ((await request('POST', 'api/s3', { action, input })) as { output: T }).output;
}

export const presign = (bucket: string, key: string, expiresIn: number) => request('POST', 'api/s3/presign', { bucket, key, expiresIn }) as Promise<{ url: string; expiresAt: number }>;

export const downloadHref = (bucket: string, key: string) => `api/s3/download?${new URLSearchParams({ bucket, key }).toString()}`;

export interface UploadProgress {
  id: string;
  total?: number;
  received: number;
  stored: number;
  state: 'receiving' | 'completed' | 'cancelled' | 'failed';
  error?: { code: string; message: string };
}

export interface RunningUpload {
  id: string;
  done: Promise<UploadProgress>;
  cancel(): Promise<void>;
}

/** Streams `file` to the console's upload route; `onProgress` gets the server's count as it polls. */
export function upload(bucket: string, key: string, file: File, onProgress: (p: UploadProgress) => void): RunningUpload {
  const id = crypto.randomUUID();
  const controller = new AbortController();
  let finished = false;
  const poll = async () => {
    while (!finished) {
      try {
        const p = (await request('GET', `api/s3/uploads/${id}`)) as UploadProgress;
        if (!finished) onProgress(p);
      } catch {
        // Not started on the server yet: the next poll will see it.
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const done = (async () => {
    void poll();
    try {
      const response = await fetch(`api/s3/upload?${new URLSearchParams({ bucket, key, id }).toString()}`, {
        method: 'PUT',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/octet-stream', 'x-ferry-console-upload': '1', ...(file.type ? { 'x-ferry-content-type': file.type } : {}) },
        body: file,
        signal: controller.signal,
      });
      const parsed = (await response.json()) as UploadProgress & { error?: { code?: string; message?: string } };
      if (!response.ok) throw new ApiError(parsed.error?.code ?? `HTTP ${response.status}`, parsed.error?.message ?? response.statusText, response.status);
      onProgress(parsed);
      return parsed;
    } finally {
      finished = true;
    }
  })();
  return {
    id,
    done,
    cancel: async () => {
      // The server aborts its multipart upload before it answers; then the browser stops sending.
      const p = (await request('POST', `api/s3/uploads/${id}/cancel`, {}).catch(() => undefined)) as UploadProgress | undefined;
      finished = true;
      controller.abort();
      if (p) onProgress(p);
    },
  };
}
