import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startTestServer } from '../helpers/server.js';
import { createJob, createSigningRole, httpsGet, JobsDevice, provisionDevices, uploadFirmware } from './helpers.js';

const FIRMWARE = randomBytes(4096);

test('every delivery signs a fresh link (one role session signs them for a while); the first is refused as expired once expiresInSec has passed (clock moved)', async (t) => {
  const ts = await startTestServer();
  t.after(() => ts.close());
  const devices = await provisionDevices(ts, ['miso_links']);
  await uploadFirmware(ts, 'firmware', 'fw/miso 1.0.0.bin', FIRMWARE);
  const roleArn = await createSigningRole(ts, 'signer', 'firmware');
  // Ferry's own S3 endpoint in the placeholder (the key has a space, written %20).
  const document = JSON.stringify({ files: [{ url: `\${aws:iot:s3-presigned-url:${ts.endpoints.endpoints.s3}/firmware/fw/miso%201.0.0.bin}` }], note: 'stays' });
  await createJob(ts, { jobId: 'links', things: ['miso_links'], document, presignedUrlConfig: { roleArn, expiresInSec: 60 } });

  const device = await JobsDevice.connect(ts, 'miso_links', devices.get('miso_links')!);
  t.after(() => device.end());
  const first = (await device.accepted('$next/get')).execution.jobDocument;
  ts.clock.advance(1000);
  const second = (await device.accepted('links/get')).execution.jobDocument;
  assert.equal(first.note, 'stays');
  const [a, b] = [new URL(first.files[0].url), new URL(second.files[0].url)];
  assert.equal(a.pathname, '/firmware/fw/miso%201.0.0.bin');
  assert.equal(a.searchParams.get('X-Amz-Expires'), '60');
  assert.notEqual(a.searchParams.get('X-Amz-Date'), b.searchParams.get('X-Amz-Date'), 'each delivery signs anew');
  assert.notEqual(a.searchParams.get('X-Amz-Signature'), b.searchParams.get('X-Amz-Signature'), 'two deliveries, two signatures');
  assert.equal(a.searchParams.get('X-Amz-Credential'), b.searchParams.get('X-Amz-Credential'), 'one role session signs the role\'s links for a while');

  const fresh = await httpsGet(ts, a.href);
  assert.equal(fresh.status, 200);
  assert.ok(fresh.body.equals(FIRMWARE));

  ts.clock.advance(61_000);
  const expired = await httpsGet(ts, a.href);
  assert.equal(expired.status, 403);
  assert.match(expired.body.toString(), /<Code>AccessDenied<\/Code>/);
  assert.match(expired.body.toString(), /<Message>Request has expired<\/Message>/);

  // A delivery now carries a link that works now.
  const third = (await device.accepted('links/get')).execution.jobDocument;
  const again = await httpsGet(ts, third.files[0].url);
  assert.equal(again.status, 200);
  assert.ok(again.body.equals(FIRMWARE));
});
