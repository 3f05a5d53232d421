import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyRequest } from 'fastify';
import { incomingSignedRequest } from '../../src/protocols/http/signed-request.js';

// Requests dispatched in process (the console's) carry no headersDistinct: their headers are copied into a map
// whose keys are the request's header names, so a header named __proto__ is a header (issue 24 item 4).
test('in-process request headers: every name a key of its own, values as lists, nothing inherited', () => {
  const headers = JSON.parse('{"__proto__":"x","host":"h","x-amz-date":"20260101T000000Z"}') as FastifyRequest['headers'];
  const signed = incomingSignedRequest({ method: 'GET', raw: { url: '/a?b=c' }, headers } as unknown as FastifyRequest);
  assert.deepEqual(Object.keys(signed.headers).sort(), ['__proto__', 'host', 'x-amz-date']);
  assert.deepEqual(signed.headers['__proto__'], ['x']);
  assert.equal(signed.headers['constructor'], undefined);
  assert.deepEqual([signed.method, signed.rawUrl, signed.headers.host], ['GET', '/a?b=c', ['h']]);
});
