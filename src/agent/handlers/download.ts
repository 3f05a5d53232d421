/**
 * DESIGN.md's document: `{ "operation": "download", "url": "…" }`, with
 * optional `destination` (or `fileName`; default: the link's file name),
 * `checksum` / `sha256`, `size`, `hook`; or several files at once with
 * `files: [{ url, destination, checksum, size }]`.
 */
import { checksumOf } from '../checksum.js';
import { rejected } from '../outcome.js';
import type { JobDocument, Operation } from '../types.js';
import { fetchFiles, fileNameOf, optionalSize, optionalString, stringField, type FileSpec } from './files.js';

function specOf(entry: Record<string, unknown>, where: string): FileSpec {
  const url = stringField(entry, 'url', where);
  const destination = optionalString(entry, 'destination') ?? optionalString(entry, 'fileName') ?? fileNameOf(url);
  const checksum = checksumOf(entry);
  const size = optionalSize(entry, 'size');
  return { url, destination, ...(checksum ? { checksum } : {}), ...(size !== undefined ? { size } : {}) };
}

function entries(document: JobDocument): Record<string, unknown>[] {
  if (document.files === undefined) return [document];
  if (!Array.isArray(document.files) || document.files.some((f) => f === null || typeof f !== 'object')) {
    throw rejected('invalid-document', "'files' must be an array of objects with a 'url'.");
  }
  return document.files as Record<string, unknown>[];
}

export const downloadOperation: Operation = {
  name: 'download',
  matches: (document) => document.operation === 'download',
  run: (job) => {
    const specs = entries(job.document).map((e, i) => specOf(e, job.document.files ? `files[${i}]` : 'The download job'));
    return fetchFiles(job, specs, (again, i) => {
      const e = entries(again)[i];
      return typeof e?.url === 'string' ? e.url : undefined;
    });
  },
};
