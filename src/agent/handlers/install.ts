/**
 * The AWS IoT Device SDK sample agent's `install` document
 * (aws-wire-protocols.md §10.1):
 * `{ "operation": "install", "packageName": "…", "workingDirectory"?: "…",
 *    "files": [{ "fileName": "…", "fileSource": { "url": "…" },
 *                "checksum"?: { "inline": { "value": "<hex>" }, "hashAlgorithm": "SHA256" } }] }`.
 * Files land in `workingDirectory` (inside --dir; default --dir itself), all
 * verified before any is put in place. The sample's `launchCommand` and
 * `autoStart` are not run: starting a program is what an allow-listed hook
 * (`"hook": "NAME"`) is for.
 */
import { join } from 'node:path';
import { checksumOf } from '../checksum.js';
import { rejected } from '../outcome.js';
import type { JobDocument, Operation } from '../types.js';
import { fetchFiles, optionalString, stringField, type FileSpec } from './files.js';

// The sample agent refuses package names that could name a path (ERR_INVALID_PACKAGE_NAME).
const PACKAGE_NAME = /^[A-Za-z0-9._-]+$/;

function filesOf(document: JobDocument): Record<string, unknown>[] {
  const files = document.files;
  if (!Array.isArray(files) || files.length === 0 || files.some((f) => f === null || typeof f !== 'object')) {
    throw rejected('invalid-document', "An install job needs a 'files' array of { fileName, fileSource: { url } }.");
  }
  return files as Record<string, unknown>[];
}

const urlOf = (file: Record<string, unknown>): unknown => (file.fileSource as Record<string, unknown> | undefined)?.url;

export const installOperation: Operation = {
  name: 'install',
  matches: (document) => document.operation === 'install',
  run: (job) => {
    const packageName = stringField(job.document, 'packageName', 'An install job');
    if (!PACKAGE_NAME.test(packageName)) throw rejected('invalid-document', `The package name '${packageName}' is not valid.`);
    const folder = optionalString(job.document, 'workingDirectory') ?? '.';
    const specs: FileSpec[] = filesOf(job.document).map((file, i) => {
      const fileName = stringField(file, 'fileName', `files[${i}]`);
      const url = urlOf(file);
      if (typeof url !== 'string' || url === '') throw rejected('invalid-document', `files[${i}] needs fileSource.url.`);
      const checksum = checksumOf(file);
      return { url, destination: join(folder, fileName), ...(checksum ? { checksum } : {}) };
    });
    return fetchFiles(job, specs, (again, i) => {
      const url = urlOf(filesOf(again)[i] ?? {});
      return typeof url === 'string' ? url : undefined;
    });
  },
};
