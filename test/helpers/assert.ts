import assert from 'node:assert/strict';

/** An AWS SDK error: the exception's name and the HTTP status it came with. */
export type SdkError = Error & { $metadata?: { httpStatusCode?: number }; $response?: unknown };

/** Awaits a rejection whose error name (SDK exception class or wire code), HTTP status and message are these. */
export async function rejectsWith(promise: Promise<unknown>, name: string, status?: number, message?: RegExp): Promise<SdkError> {
  try {
    await promise;
  } catch (error) {
    const e = error as SdkError;
    assert.equal(e.name, name, `expected ${name}, got ${e.name}: ${e.message}`);
    if (status !== undefined) assert.equal(e.$metadata?.httpStatusCode, status, `status of ${name}`);
    if (message) assert.match(e.message, message);
    return e;
  }
  assert.fail(`expected ${name}, but the call succeeded`);
}

/** Polls until `check` holds (server-side work that finishes after the reply, e.g. a disconnect's cleanup); fails after `ms`. */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for: ${what}`);
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 10));
  }
}
