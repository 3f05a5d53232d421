import assert from 'node:assert/strict';
import { runCli } from '../../src/cli/run.js';
import { startTestServer, tempDir } from '../helpers/server.js';

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

/** A fresh server, a scratch folder, `ok(args)` (ferry on that server, which must exit 0) and the device policy `device`. */
export async function withDevicePolicy() {
  const s = await startTestServer();
  const d = ['--data-dir', s.dataDir];
  const work = tempDir();
  const ok = async (args: string[]) => {
    const r = await cli([...args, ...d]);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  await ok(['policy', 'create', 'device', '--device']);
  return { s, d, work, ok };
}
