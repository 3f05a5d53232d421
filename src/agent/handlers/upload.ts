/**
 * `{ "operation": "upload", "file": "logs/app.log", "bucket": "device-logs", "key": "miso_things_1/app.log" }`:
 * a file under --dir goes to S3 with the role credentials the credentials
 * provider gives this device, so the role decides what it may write.
 */
import { relative } from 'node:path';
import type { Operation } from '../types.js';
import { optionalString, stringField } from './files.js';

export const uploadOperation: Operation = {
  name: 'upload',
  matches: (document) => document.operation === 'upload',
  run: async (job) => {
    const file = job.resolvePath(stringField(job.document, 'file', 'An upload job'), 'file');
    const bucket = stringField(job.document, 'bucket', 'An upload job');
    const key = stringField(job.document, 'key', 'An upload job');
    const contentType = optionalString(job.document, 'contentType');
    const label = relative(job.dir, file);
    job.progress({ step: 'uploading', file: label, bucket, key }, { force: true });
    const done = await job.tools.upload.upload({
      file,
      bucket,
      key,
      signal: job.signal,
      ...(contentType ? { contentType } : {}),
      onProgress: (p) =>
        job.progress({ step: 'uploading', file: label, bytes: String(p.bytes), totalBytes: String(p.total), percent: String(p.percent) }, { percent: p.percent }),
    });
    return { status: 'SUCCEEDED', details: { file: label, bucket, key, bytes: String(done.bytes), ...(done.etag ? { etag: done.etag } : {}) } };
  },
};
