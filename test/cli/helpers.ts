import { runCli } from '../../src/cli/run.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (for --json runs). */
  json<T = any>(): T;
}

class Sink {
  text = '';
  isTTY = false;
  write(chunk: string) {
    this.text += chunk;
    return true;
  }
}

/** Runs `ferry …args` in this process with its own streams and environment. */
export async function cli(args: string[], opts: { env?: Record<string, string | undefined>; cwd?: string; signal?: AbortSignal } = {}): Promise<CliResult> {
  const stdout = new Sink();
  const stderr = new Sink();
  const env = opts.env ?? { HOME: process.env.HOME, PATH: process.env.PATH };
  const code = await runCli(args, { stdout, stderr, env, ...(opts.cwd ? { cwd: opts.cwd } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
  return {
    code,
    stdout: stdout.text,
    stderr: stderr.text,
    json: () => {
      try {
        return JSON.parse(stdout.text);
      } catch {
        throw new Error(`stdout is not JSON (exit ${code}):\n${stdout.text}\nstderr:\n${stderr.text}`);
      }
    },
  };
}
