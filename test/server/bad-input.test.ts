import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { rawRequest } from '../helpers/http.js';
import { signRequest } from '../helpers/sign.js';
import { DescribeEndpointCommand, ListThingsCommand } from '@aws-sdk/client-iot';

test('malformed, oversized and unknown requests get AWS-shaped errors and the server stays up', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const iot = s.endpoints.endpoints.iot;
  const call = async (path: string, method: string, body?: string) => {
    const signed = await signRequest({
      url: `${iot}${path}`,
      method,
      service: 'iot',
      region: 'us-east-1',
      credentials: s.credentials,
      headers: { 'content-type': 'application/json' },
      ...(body !== undefined ? { body } : {}),
      signingDate: new Date(s.clock.now()),
    });
    return rawRequest({ url: `${iot}${path}`, method, headers: signed.headers, ca: s.ca, ...(body !== undefined ? { body } : {}) });
  };

  const unknown = await call('/no-such-operation', 'GET');
  assert.equal(unknown.status, 404);
  assert.equal(unknown.headers['x-amzn-errortype'], 'UnknownOperationException');
  assert.match(JSON.parse(unknown.body).message, /GET \/no-such-operation/);
  assert.ok(unknown.headers['x-amzn-requestid']);

  const big = await call('/things/too-big', 'POST', JSON.stringify({ attributePayload: { attributes: { pad: 'x'.repeat(300 * 1024) } } }));
  assert.equal(big.status, 413, big.body);
  assert.equal(big.headers['x-amzn-errortype'], 'RequestEntityTooLargeException');

  const malformed = await call('/things/bad-json', 'POST', '{"attributePayload": ');
  assert.equal(malformed.status, 400);
  assert.equal(malformed.headers['x-amzn-errortype'], 'InvalidRequestException');
  assert.match(JSON.parse(malformed.body).message, /not valid JSON/);
  // Beside the refusals, the same call with a good body works, and the refused ones changed nothing.
  const good = await call('/things/good-json', 'POST', '{}');
  assert.equal(good.status, 200, good.body);
  const list = await s.iot().send(new ListThingsCommand({}));
  assert.deepEqual(list.things?.map((thing) => thing.thingName), ['good-json']);

  const unknownIam = await rawRequest({
    url: `${iot}/`,
    method: 'POST',
    ca: s.ca,
    body: 'Action=NoSuchAction&Version=2010-05-08',
    headers: (
      await signRequest({
        url: `${iot}/`,
        method: 'POST',
        service: 'iam',
        region: 'us-east-1',
        credentials: s.credentials,
        body: 'Action=NoSuchAction&Version=2010-05-08',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        signingDate: new Date(s.clock.now()),
      })
    ).headers,
  });
  assert.equal(unknownIam.status, 400);
  assert.match(unknownIam.body, /<Code>InvalidAction<\/Code>/);

  const s3Unknown = await rawRequest({ url: `${s.endpoints.endpoints.s3}/`, method: 'PATCH', ca: s.ca });
  assert.ok(s3Unknown.status >= 400);
  assert.match(s3Unknown.body, /^<\?xml/);

  // Still up, still answering correctly.
  const ok = await s.iot().send(new DescribeEndpointCommand({ endpointType: 'iot:Data-ATS' }));
  assert.equal(ok.endpointAddress, '127.0.0.1');
});
