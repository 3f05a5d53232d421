import { execFile } from 'node:child_process';
import { join } from 'node:path';

export const MAIN = join(import.meta.dirname, '../../src/cli/main.ts');

export interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment without AWS settings of the machine running the tests. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
  return { ...env, ...extra };
}

/** Runs `ferry …args` as its own process: `node --import tsx src/cli/main.ts …` (tsx by absolute URL, so any cwd works). */
export function ferry(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<ChildResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', import.meta.resolve('tsx'), MAIN, ...args],
      { env: opts.env ?? cleanEnv(), cwd: opts.cwd ?? join(import.meta.dirname, '../..'), timeout: opts.timeoutMs ?? 120_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
