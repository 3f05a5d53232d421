/**
 * Post-download hooks: off unless configured. The operator allow-lists
 * executables when starting the agent (`--hook NAME=PATH`); a job document
 * may only name one (`"hook": "NAME"`), never give a path or a command. The
 * hook runs without a shell, with the downloaded file paths as arguments, and
 * its exit status decides SUCCEEDED or FAILED.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { failed, rejected } from './outcome.js';

export interface HookSpec {
  name: string;
  /** Absolute path of the executable. */
  path: string;
}

export interface HookResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const TAIL = 512;
const NAME = /^[A-Za-z0-9._-]{1,64}$/;

/** `NAME=PATH`, or `PATH` (named after the file). */
export function parseHookFlag(flag: string): HookSpec {
  const eq = flag.indexOf('=');
  const [name, path] = eq > 0 ? [flag.slice(0, eq), flag.slice(eq + 1)] : [basename(flag), flag];
  if (!NAME.test(name)) throw new Error(`hook name '${name}' must be 1–64 letters, digits, '.', '_' or '-'`);
  return { name, path: resolve(path) };
}

export class Hooks {
  private readonly byName = new Map<string, HookSpec>();

  constructor(
    specs: readonly HookSpec[] = [],
    private readonly options: { timeoutMs?: number; env?: Record<string, string> } = {},
  ) {
    for (const spec of specs) {
      // Checked at start-up, so a typo shows before the first job.
      if (!statSync(spec.path, { throwIfNoEntry: false })?.isFile()) throw new Error(`hook ${spec.name}: ${spec.path} is not a file`);
      try {
        accessSync(spec.path, constants.X_OK);
      } catch {
        throw new Error(`hook ${spec.name}: ${spec.path} is not executable`);
      }
      this.byName.set(spec.name, spec);
    }
  }

  get names(): string[] {
    return [...this.byName.keys()];
  }

  /** The allow-listed hook a document names, or a REJECTED JobError (reason `hook-not-allowed`). */
  check(name: unknown): HookSpec {
    const spec = typeof name === 'string' ? this.byName.get(name) : undefined;
    if (!spec) {
      const allowed = this.names.length ? `allowed: ${this.names.join(', ')}` : 'no hooks are configured on this device';
      throw rejected('hook-not-allowed', `The job asks for hook '${String(name)}', which is not allow-listed (${allowed}).`);
    }
    return spec;
  }

  /** Runs the hook with `args`; a non-zero exit (or a signal, or the time limit) is a FAILED JobError with the output's tail. */
  async run(name: string, args: string[], env: Record<string, string> = {}, signal?: AbortSignal): Promise<HookResult> {
    const spec = this.check(name);
    const result = await runProcess(spec.path, args, { ...this.options.env, ...env }, this.options.timeoutMs ?? 10 * 60_000, signal);
    if (result.exitCode !== 0) {
      const how = result.signal ? `was killed by ${result.signal}` : `exited with ${result.exitCode}`;
      throw failed('hook-failed', `Hook ${name} ${how}${result.stderr ? `: ${result.stderr}` : ''}`, { hookExitCode: String(result.exitCode ?? result.signal) });
    }
    return result;
  }
}

function runProcess(path: string, args: string[], env: Record<string, string>, timeoutMs: number, signal?: AbortSignal): Promise<HookResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(path, args, {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
      ...(signal ? { signal } : {}),
    });
    let stdout = '';
    let stderr = '';
    const keep = (s: string, d: Buffer) => (s + d.toString('utf8')).slice(-TAIL);
    child.stdout.on('data', (d: Buffer) => (stdout = keep(stdout, d)));
    child.stderr.on('data', (d: Buffer) => (stderr = keep(stderr, d)));
    child.on('error', (e) => (signal?.aborted ? reject(signal.reason) : reject(failed('hook-failed', `Hook ${path} could not run: ${e.message}`))));
    child.on('close', (exitCode, sig) => resolvePromise({ exitCode, signal: sig, stdout: stdout.trim(), stderr: stderr.trim() }));
  });
}
