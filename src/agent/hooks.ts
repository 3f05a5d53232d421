/**
 * The device's one allow-list of executables a job may run: off unless
 * configured. The operator allow-lists executables when starting the agent
 * (`--hook NAME=PATH`), or a handler directory (`--handler-dir DIR`: every
 * executable file in it, by its file name — the AWS IoT Device Client's
 * model); a job document may only name one (`"hook": "NAME"`, or a Device
 * Client step's `input.handler`), never give a command. A step's
 * `input.path` is honoured only when it is the handler directory or inside
 * it, its `runAsUser` only when the device allows that user (`--run-as-user`);
 * otherwise the job is REJECTED before anything runs. An executable runs
 * without a shell and its exit status decides SUCCEEDED or FAILED.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, join, resolve, sep } from 'node:path';
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

export interface HooksOptions {
  timeoutMs?: number;
  env?: Record<string, string>;
  /** A folder whose executable files are all allow-listed, by file name (`--handler-dir`). */
  handlerDir?: string;
  /** Users a step's runAsUser may name (`--run-as-user`); none by default. */
  runAsUsers?: string[];
}

/** A Device Client step's handler, as its document names it. */
export interface HandlerStep {
  handler: unknown;
  /** input.path: '' or "default" means the handler directory. */
  path?: unknown;
  runAsUser?: unknown;
}

const isExecutableFile = (path: string): boolean => {
  if (!statSync(path, { throwIfNoEntry: false })?.isFile()) return false;
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

export class Hooks {
  private readonly byName = new Map<string, HookSpec>();
  private readonly handlerDir: string | undefined;

  constructor(
    specs: readonly HookSpec[] = [],
    private readonly options: HooksOptions = {},
  ) {
    if (options.handlerDir !== undefined) {
      const dir = realpathSync(resolve(options.handlerDir));
      if (!statSync(dir).isDirectory()) throw new Error(`handler directory ${dir} is not a folder`);
      this.handlerDir = dir;
      for (const name of readdirSync(dir).sort()) {
        const path = join(dir, name);
        if (NAME.test(name) && isExecutableFile(path)) this.byName.set(name, { name, path });
      }
    }
    for (const spec of specs) {
      // Checked at start-up, so a typo shows before the first job.
      if (!statSync(spec.path, { throwIfNoEntry: false })?.isFile()) throw new Error(`hook ${spec.name}: ${spec.path} is not a file`);
      if (!isExecutableFile(spec.path)) throw new Error(`hook ${spec.name}: ${spec.path} is not executable`);
      this.byName.set(spec.name, spec);
    }
  }

  /**
   * The allow-listed executable a Device Client step names, checked with its
   * path and user; a REJECTED JobError with the reason otherwise. Nothing runs.
   */
  checkHandler(step: HandlerStep): { spec: HookSpec; user: string } {
    const name = step.handler;
    if (typeof name !== 'string' || !NAME.test(name)) throw rejected('handler-not-allowed', `The job names handler ${JSON.stringify(name)}, which is not a file name.`);
    const path = step.path === undefined || step.path === null ? '' : step.path;
    if (typeof path !== 'string') throw rejected('invalid-document', 'The step\'s input.path must be a string.');
    const spec = path === '' || path === 'default' ? this.byName.get(name) : this.inHandlerDir(path, name);
    if (!spec) throw rejected('handler-not-allowed', `The job asks for handler '${name}', which is not allow-listed (${this.allowedText()}).`);
    const user = step.runAsUser === undefined || step.runAsUser === null ? '' : step.runAsUser;
    if (typeof user !== 'string') throw rejected('invalid-document', 'The step\'s runAsUser must be a string.');
    if (user !== '' && !(this.options.runAsUsers ?? []).includes(user)) {
      const users = this.options.runAsUsers?.length ? `allowed: ${this.options.runAsUsers.join(', ')}` : 'this device allows no runAsUser';
      throw rejected('user-not-allowed', `The job asks to run handler '${name}' as user '${user}', which this device does not allow (${users}).`);
    }
    return { spec, user };
  }

  /** The handler `name` in the document's `path`, honoured only inside the handler directory. */
  private inHandlerDir(path: string, name: string): HookSpec | undefined {
    const base = this.handlerDir;
    let real: string | undefined;
    try {
      real = realpathSync(resolve(path));
    } catch {
      real = undefined;
    }
    if (base === undefined || real === undefined || (real !== base && !real.startsWith(base + sep))) {
      const where = base === undefined ? 'this device has no handler directory' : `handlers run only from ${base}`;
      throw rejected('handler-path-not-allowed', `The job asks for handler '${name}' in ${path}, which is outside the allow-listed handler directory (${where}).`);
    }
    const file = join(real, name);
    return real === base ? this.byName.get(name) : isExecutableFile(file) ? { name, path: file } : undefined;
  }

  private allowedText(): string {
    return this.names.length ? `allowed: ${this.names.join(', ')}` : 'no hooks are configured on this device';
  }

  /** Runs a checked handler as the Device Client does: the user first, then the step's args. Non-zero exit: FAILED with the exit code. */
  async runHandler(checked: { spec: HookSpec; user: string }, args: string[], options: { allowStdErr?: number; signal?: AbortSignal } = {}): Promise<HookResult> {
    const { spec, user } = checked;
    const result = await runProcess(spec.path, [user, ...args], { ...this.options.env }, this.options.timeoutMs ?? 10 * 60_000, options.signal);
    if (result.exitCode !== 0) {
      const how = result.signal ? `was killed by ${result.signal}` : `exited with ${result.exitCode}`;
      throw failed('handler-failed', `Handler ${spec.name} ${how}${result.stderr ? `: ${result.stderr}` : ''}`, { exitCode: String(result.exitCode ?? result.signal), ...(result.stderr ? { stderr: result.stderr } : {}) });
    }
    const stderrLines = result.stderr === '' ? 0 : result.stderr.split('\n').length;
    if (options.allowStdErr !== undefined && stderrLines > options.allowStdErr) {
      throw failed('handler-stderr', `Handler ${spec.name} wrote ${stderrLines} lines to stderr (the step allows ${options.allowStdErr}): ${result.stderr}`, { exitCode: '0', stderr: result.stderr });
    }
    return result;
  }

  get names(): string[] {
    return [...this.byName.keys()];
  }

  /** The allow-listed hook a document names, or a REJECTED JobError (reason `hook-not-allowed`). */
  check(name: unknown): HookSpec {
    const spec = typeof name === 'string' ? this.byName.get(name) : undefined;
    if (!spec) {
      throw rejected('hook-not-allowed', `The job asks for hook '${String(name)}', which is not allow-listed (${this.allowedText()}).`);
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
