/**
 * Where a CLI run writes and how it ends. `processIo` is the real terminal;
 * `runCli` gives tests their own streams and collects the exit code instead
 * of exiting the process.
 */
export interface Output {
  write(chunk: string): unknown;
  isTTY?: boolean | undefined;
  columns?: number | undefined;
}

export interface CliIo {
  stdout: Output;
  stderr: Output;
  env: Record<string, string | undefined>;
  cwd: string;
  /** The code the run ends with (the last one set wins). */
  setExitCode(code: number): void;
  /** Ends the run at once (usage errors and --help, before anything was opened). */
  exit(code: number): never;
  /** Aborted when the user presses Ctrl-C during a long verb (watch, demo). */
  signal?: AbortSignal | undefined;
}

/** Exit codes: they mean something, so scripts can branch on them. */
export const EXIT = {
  ok: 0,
  /** The server refused the request (or could not be reached). */
  refused: 1,
  /** Bad usage: a missing or malformed argument, no server configuration found. */
  usage: 2,
  /** `job watch` / `demo`: the job ended, but not every device succeeded. */
  jobFailed: 3,
} as const;

/** A bad argument found by the CLI itself, before any request: exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Thrown by `runCli`'s `exit` to unwind commander with a code. */
export class CliExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/**
 * `ferry … | head -1`: once the reader has gone, what is left to print is
 * dropped instead of raising EPIPE, so the run ends quietly with the code of
 * what it did (0 when the operation succeeded). Other write errors still surface.
 */
export function tolerateClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') return;
    throw error;
  });
}

export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    setExitCode: (code) => {
      process.exitCode = code;
    },
    exit: (code) => process.exit(code),
  };
}
