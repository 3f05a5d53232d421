import { CliExit, EXIT, UsageError, type CliIo, type Output } from './io.js';

/** Prints `value` as indented JSON (the `--json` form every verb has). */
export function printJson(out: Output, value: unknown): void {
  out.write(`${JSON.stringify(value, null, 2)}\n`);
}

export type Cell = string | number | boolean | undefined | null;

const text = (cell: Cell) => (cell === undefined || cell === null ? '-' : String(cell));

/** A plain table: a header row, then one row per record, columns padded to fit. */
export function printTable(out: Output, columns: string[], rows: Cell[][]): void {
  const cells = [columns, ...rows.map((r) => r.map(text))];
  const widths = columns.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  for (const row of cells) {
    out.write(`${row.map((c, i) => (i === row.length - 1 ? c : (c ?? '').padEnd(widths[i] ?? 0))).join('  ')}\n`);
  }
  if (rows.length === 0) out.write('(none)\n');
}

/** `key: value` lines for one record. */
export function printFields(out: Output, fields: Array<[string, Cell]>): void {
  const width = Math.max(...fields.map(([k]) => k.length));
  for (const [key, value] of fields) out.write(`${`${key}:`.padEnd(width + 2)}${text(value)}\n`);
}

/** Epoch seconds or a Date → ISO-8601 without milliseconds. */
export function when(value: Date | number | undefined): string | undefined {
  if (value === undefined) return undefined;
  const date = typeof value === 'number' ? new Date(value * 1000) : value;
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const NETWORK_HINTS: Record<string, string> = {
  ECONNREFUSED: 'nothing is listening there — is `ferry server` running?',
  ENOTFOUND: 'the host name does not resolve',
  ETIMEDOUT: 'the connection timed out',
  ECONNRESET: 'the connection was reset',
  DEPTH_ZERO_SELF_SIGNED_CERT: "the server's certificate is not trusted — use the CA file from endpoints.json",
  SELF_SIGNED_CERT_IN_CHAIN: "the server's certificate is not trusted — use the CA file from endpoints.json",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the server's certificate is not trusted — use the CA file from endpoints.json",
  ERR_TLS_CERT_ALTNAME_INVALID: "the server's certificate does not name this host",
};

interface SdkError {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
  $fault?: string;
}

/**
 * One line for an error: the server's own message (an SDK exception carries
 * the AWS error name and message), a network error with a hint, or the
 * CLI's usage message. Returns the exit code it means.
 */
export function describeError(error: unknown): { line: string; code: number } {
  if (error instanceof UsageError) return { line: error.message, code: EXIT.usage };
  const e = (error ?? {}) as SdkError;
  if (e.$metadata?.httpStatusCode !== undefined) {
    const name = e.name && e.name !== 'Error' ? e.name : `HTTP ${e.$metadata.httpStatusCode}`;
    // S3 HEAD errors have no body: the SDK's message is then just the status name.
    const message = e.message && e.message !== e.name && e.message !== 'UnknownError' ? `: ${e.message}` : '';
    return { line: `${name}${message}`, code: EXIT.refused };
  }
  const hint = e.code ? NETWORK_HINTS[e.code] : undefined;
  if (hint) return { line: `${e.message ?? e.code} (${hint})`, code: EXIT.refused };
  return { line: e.message || String(error), code: EXIT.refused };
}

/**
 * Wraps a verb's body: whatever it throws becomes one line on stderr and an
 * exit code, never a stack trace (FERRY_DEBUG=1 adds the stack).
 */
export function action<A extends unknown[]>(io: CliIo, body: (...args: A) => Promise<number | void>) {
  return async (...args: A): Promise<void> => {
    let code: number;
    try {
      code = (await body(...args)) ?? EXIT.ok;
    } catch (error) {
      if (error instanceof CliExit) throw error;
      const { line, code: errorCode } = describeError(error);
      io.stderr.write(`ferry: ${line}\n`);
      if (io.env.FERRY_DEBUG && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
      code = errorCode;
    }
    io.setExitCode(code);
  };
}
