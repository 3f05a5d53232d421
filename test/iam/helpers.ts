import assert from 'node:assert/strict';

export const trustPolicy = (service: string) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }] });

export const allowPolicy = (actions: string | string[], resources: string | string[]) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: resources }] });

/** Awaits a rejection whose error name (SDK exception class or wire code) and HTTP status are these. */
export async function rejectsWith(promise: Promise<unknown>, name: string, status?: number, message?: RegExp): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    const e = error as Error & { $metadata?: { httpStatusCode?: number } };
    assert.equal(e.name, name, `expected ${name}, got ${e.name}: ${e.message}`);
    if (status !== undefined) assert.equal(e.$metadata?.httpStatusCode, status, `status of ${name}`);
    if (message) assert.match(e.message, message);
    return e;
  }
  assert.fail(`expected ${name}, but the call succeeded`);
}
