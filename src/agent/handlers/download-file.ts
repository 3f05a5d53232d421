/**
 * The AWS IoT Device Client's `download-file` handler documents
 * (aws-wire-protocols.md §10.3), as the AWS-Download-File managed template
 * makes them:
 * `{ "version": "1.0", "steps": [{ "action": { "name": "Download File", "type": "runHandler",
 *    "input": { "handler": "download-file.sh", "args": ["<url>", "<destination>"], "path": "default" },
 *    "runAsUser": "root" } }] }`,
 * and the older `{ "operation": "download-file.sh", "args": ["<url>", "<destination>"] }`.
 * The agent does the download itself (checked, resumable), not through a
 * shell script. A destination ending in `/`, or naming an existing folder, is a
 * folder: the link's file name is used inside it, as the handler's `wget -P` does. Steps running any
 * other handler or command are REJECTED: this agent runs no arbitrary commands.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { rejected } from '../outcome.js';
import type { JobDocument, Operation } from '../types.js';
import { fetchFiles, fileNameOf, type FileSpec } from './files.js';

const HANDLER = /^download-file(\.sh)?$/;

interface Step {
  name: string;
  args: unknown[];
}

function stepsOf(document: JobDocument): Step[] {
  if (typeof document.operation === 'string') {
    return [{ name: document.operation, args: Array.isArray(document.args) ? document.args : [] }];
  }
  const raw = [...(Array.isArray(document.steps) ? document.steps : []), ...(document.finalStep ? [{ action: document.finalStep }] : [])];
  return raw.map((s: unknown, i) => {
    const action = (s as { action?: Record<string, unknown> } | null)?.action;
    const input = action?.input as Record<string, unknown> | undefined;
    if (!action || action.type !== 'runHandler' || typeof input?.handler !== 'string') {
      const what = action?.type === 'runCommand' ? 'runs a command' : 'is not a runHandler step';
      throw rejected('unsupported-step', `Step ${i + 1}${action?.name ? ` (${String(action.name)})` : ''} ${what}; this agent runs only the download-file handler.`);
    }
    return { name: input.handler, args: Array.isArray(input.args) ? input.args : [] };
  });
}

function specOf(step: Step, i: number): FileSpec {
  if (!HANDLER.test(step.name)) {
    throw rejected('unsupported-step', `Step ${i + 1} runs handler '${step.name}'; this agent runs only the download-file handler.`);
  }
  const [url, destination] = step.args;
  if (typeof url !== 'string' || url === '') throw rejected('invalid-document', `Step ${i + 1}: the download-file handler needs the link as its first argument.`);
  if (destination !== undefined && typeof destination !== 'string') throw rejected('invalid-document', `Step ${i + 1}: the destination must be a string.`);
  const path = destination === undefined || destination === '' ? fileNameOf(url) : destination.endsWith('/') ? join(destination, fileNameOf(url)) : destination;
  return { url, destination: path };
}

const isDeviceClientDocument = (d: JobDocument): boolean =>
  (typeof d.operation === 'string' && HANDLER.test(d.operation)) || (typeof d.version === 'string' && Array.isArray(d.steps));

export const downloadFileOperation: Operation = {
  name: 'download-file',
  matches: isDeviceClientDocument,
  run: (job) => {
    // An existing folder as the destination gets the link's file name inside it, as `wget -P` does.
    const specs = stepsOf(job.document)
      .map(specOf)
      .map((spec) => (statSync(job.resolvePath(spec.destination), { throwIfNoEntry: false })?.isDirectory() ? { ...spec, destination: join(spec.destination, fileNameOf(spec.url)) } : spec));
    return fetchFiles(job, specs, (again, i) => {
      const args = stepsOf(again)[i]?.args;
      return typeof args?.[0] === 'string' ? args[0] : undefined;
    });
  },
};
