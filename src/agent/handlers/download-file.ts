/**
 * The AWS IoT Device Client's job documents (aws-wire-protocols.md §10.3),
 * as the AWS-managed templates make them:
 * `{ "version": "1.0", "steps": [{ "action": { "name": "Download File", "type": "runHandler",
 *    "input": { "handler": "download-file.sh", "args": ["<url>", "<destination>"], "path": "default" },
 *    "runAsUser": "root" } }] }`,
 * and the older `{ "operation": "download-file.sh", "args": ["<url>", "<destination>"] }`.
 * The `download-file` handler the agent does itself (checked, resumable), not
 * through a shell script. A destination ending in `/`, or naming an existing
 * folder, is a folder: the link's file name is used inside it, as the
 * handler's `wget -P` does. Any other handler (AWS-Reboot's, the application
 * templates') runs only if the device allow-listed it (hooks.ts: `--hook`,
 * `--handler-dir`), with its path and user checked; every step is checked
 * before the first runs, so a job with a step it will not run is REJECTED
 * and nothing runs. `runCommand` steps are REJECTED: no command from a job
 * document is ever run.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { HookSpec } from '../hooks.js';
import { isJobError, rejected } from '../outcome.js';
import type { JobContext, JobDocument, JobOutcome, Operation, StatusDetails } from '../types.js';
import { fetchFiles, fileNameOf, type FileSpec } from './files.js';

const HANDLER = /^download-file(\.sh)?$/;

interface Step {
  name: string;
  args: unknown[];
  path?: unknown;
  runAsUser?: unknown;
  allowStdErr?: number;
  ignoreStepFailure: boolean;
}

function stepsOf(document: JobDocument): Step[] {
  if (typeof document.operation === 'string') {
    return [{ name: document.operation, args: Array.isArray(document.args) ? document.args : [], path: document.path, ignoreStepFailure: false, ...stdErrOf(document.allowStdErr) }];
  }
  const raw = [...(Array.isArray(document.steps) ? document.steps : []), ...(document.finalStep ? [{ action: document.finalStep }] : [])];
  return raw.map((s: unknown, i) => {
    const action = (s as { action?: Record<string, unknown> } | null)?.action;
    const input = action?.input as Record<string, unknown> | undefined;
    if (!action || action.type !== 'runHandler' || typeof input?.handler !== 'string') {
      const what = action?.type === 'runCommand' ? 'runs a command, which this agent never does' : 'is not a runHandler step';
      throw rejected('unsupported-step', `Step ${i + 1}${action?.name ? ` (${String(action.name)})` : ''} ${what}.`);
    }
    return {
      name: input.handler,
      args: Array.isArray(input.args) ? input.args : [],
      path: input.path,
      runAsUser: action.runAsUser,
      // The Device Client accepts true or "true".
      ignoreStepFailure: action.ignoreStepFailure === true || action.ignoreStepFailure === 'true',
      ...stdErrOf(action.allowStdErr),
    };
  });
}

const stdErrOf = (v: unknown): { allowStdErr?: number } => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? { allowStdErr: v } : {});

function specOf(step: Step, i: number): FileSpec {
  const [url, destination] = step.args;
  if (typeof url !== 'string' || url === '') throw rejected('invalid-document', `Step ${i + 1}: the download-file handler needs the link as its first argument.`);
  if (destination !== undefined && typeof destination !== 'string') throw rejected('invalid-document', `Step ${i + 1}: the destination must be a string.`);
  const path = destination === undefined || destination === '' ? fileNameOf(url) : destination.endsWith('/') ? join(destination, fileNameOf(url)) : destination;
  return { url, destination: path };
}

type Planned = { kind: 'download'; index: number; spec: FileSpec; step: Step } | { kind: 'handler'; index: number; checked: { spec: HookSpec; user: string }; args: string[]; step: Step };

/** Every step checked before any runs: a download's link and destination, a handler's allow-listing, path and user. */
function plan(job: JobContext): Planned[] {
  return stepsOf(job.document).map((step, index): Planned => {
    if (HANDLER.test(step.name)) {
      const spec = specOf(step, index);
      // An existing folder as the destination gets the link's file name inside it, as `wget -P` does.
      const dir = statSync(job.resolvePath(spec.destination), { throwIfNoEntry: false })?.isDirectory();
      return { kind: 'download', index, step, spec: dir ? { ...spec, destination: join(spec.destination, fileNameOf(spec.url)) } : spec };
    }
    if (!step.args.every((a) => typeof a === 'string')) throw rejected('invalid-document', `Step ${index + 1}: the handler's args must be strings.`);
    return { kind: 'handler', index, step, args: step.args as string[], checked: job.tools.hooks.checkHandler({ handler: step.name, path: step.path, runAsUser: step.runAsUser }) };
  });
}

const isDeviceClientDocument = (d: JobDocument): boolean =>
  (typeof d.operation === 'string' && HANDLER.test(d.operation)) || (typeof d.version === 'string' && Array.isArray(d.steps));

async function runSteps(job: JobContext): Promise<JobOutcome> {
  const steps = plan(job);
  if (steps.every((s) => s.kind === 'download')) {
    const specs = steps.map((s) => (s as Extract<Planned, { kind: 'download' }>).spec);
    return fetchFiles(job, specs, (again, i) => {
      const args = stepsOf(again)[i]?.args;
      return typeof args?.[0] === 'string' ? args[0] : undefined;
    });
  }
  const details: StatusDetails = {};
  for (const s of steps) {
    job.progress({ step: String(s.index + 1), handler: s.step.name }, { force: true });
    try {
      if (s.kind === 'download') {
        const outcome = await fetchFiles(job, [s.spec], (again) => {
          const args = stepsOf(again)[s.index]?.args;
          return typeof args?.[0] === 'string' ? args[0] : undefined;
        });
        if (outcome.status !== 'SUCCEEDED' && !s.step.ignoreStepFailure) return outcome;
      } else {
        const ran = await job.tools.hooks.runHandler(s.checked, s.args, { ...(s.step.allowStdErr !== undefined ? { allowStdErr: s.step.allowStdErr } : {}), signal: job.signal });
        if (ran.stdout) details.stdout = ran.stdout;
      }
    } catch (error) {
      if (!s.step.ignoreStepFailure || !isJobError(error) || error.status !== 'FAILED') throw error;
      details[`step${s.index + 1}`] = `ignored failure: ${error.message}`.slice(0, 1024);
    }
  }
  return { status: 'SUCCEEDED', details };
}

export const downloadFileOperation: Operation = {
  name: 'download-file',
  matches: isDeviceClientDocument,
  run: runSteps,
};
