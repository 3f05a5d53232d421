import { Command } from 'commander';
import { CliExit, type CliIo, type Output } from './io.js';
import { operatorCommands } from './operator-commands.js';

export interface RunOptions {
  stdout: Output;
  stderr: Output;
  env?: Record<string, string | undefined>;
  cwd?: string;
  signal?: AbortSignal;
}

/**
 * Runs the operator verbs in this process, as `ferry …` would, writing to the
 * given streams; resolves to the exit code (0 ok, 1 server refused, 2 bad
 * usage, 3 a watched job ended with failures). `argv` excludes `ferry`.
 */
export async function runCli(argv: string[], options: RunOptions): Promise<number> {
  let code = 0;
  const io: CliIo = {
    stdout: options.stdout,
    stderr: options.stderr,
    env: options.env ?? process.env,
    cwd: options.cwd ?? process.cwd(),
    signal: options.signal,
    setExitCode: (c) => {
      code = c;
    },
    exit: (c) => {
      throw new CliExit(c);
    },
  };
  const program = new Command('ferry').exitOverride((err) => io.exit(err.exitCode === 0 ? 0 : 2));
  program.configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  for (const cmd of operatorCommands(io)) program.addCommand(cmd);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CliExit) return error.code;
    throw error;
  }
  return code;
}
