import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isFerryError } from '../../../src/errors.js';
import { parseSignature, presignUrl, verifySignature, UNSIGNED_PAYLOAD } from '../../../src/protocols/sigv4/index.js';
import type { IncomingSignedRequest } from '../../../src/protocols/sigv4/index.js';
import { CREDS, HOST, SIGNING_DATE, awkwardString, encodeLabel, pick, random, rejects, smithyPresign } from './oracle.js';

const NOW = SIGNING_DATE.getTime();
const MIN = 60_000;

function verify(req: IncomingSignedRequest, over: Partial<Parameters<typeof verifySignature>[2]> = {}) {
  const parsed = parseSignature(req);
  assert.ok(parsed);
  assert.equal(parsed.mode, 'query');
  return verifySignature(req, parsed, {
    secretAccessKey: CREDS.secretAccessKey,
    nowMs: NOW + MIN,
    services: ['s3'],
    region: 'us-east-1',
    payloadHash: UNSIGNED_PAYLOAD,
    canonicalUri: 's3',
    ...over,
  });
}

function randomKey(rand: () => number): string {
  const parts: string[] = [];
  const n = 1 + Math.floor(rand() * 4);
  for (let i = 0; i < n; i++) parts.push(rand() < 0.15 ? pick(rand, ['', '.', '..']) : awkwardString(rand));
  return parts.join('/');
}

const s3Path = (bucket: string, key: string) => `/${bucket}/${key.split('/').map(encodeLabel).join('/')}`;

test('URLs presigned by smithy verify (awkward keys, with and without session token, hoisted or not)', async () => {
  const rand = random(604800);
  for (let i = 0; i < 200; i++) {
    const method = pick(rand, ['GET', 'PUT', 'HEAD']);
    const query: Record<string, string> = rand() < 0.4 ? { 'response-content-disposition': `attachment; filename="${awkwardString(rand)}"` } : {};
    if (rand() < 0.2) query['versionId'] = awkwardString(rand, 3);
    const input = {
      method,
      path: s3Path('bucket', randomKey(rand)),
      query,
      service: 's3',
      region: 'us-east-1',
      expiresIn: 1 + Math.floor(rand() * 604800),
      hoist: rand() < 0.5,
      ...(rand() < 0.5 ? { sessionToken: `IQoJb3JpZ2luX2Vj/${awkwardString(rand)}+==` } : {}),
    };
    const req = await smithyPresign(input);
    try {
      verify(req);
    } catch (err) {
      assert.fail(`case ${i} ${JSON.stringify(input)} ${req.rawUrl}: ${String(err)}`);
    }
  }
});

test('a presigned URL for a normalised service verifies', async () => {
  const req = await smithyPresign({ method: 'GET', path: '/things/a%20b/./jobs/../jobs', service: 'iot-jobs-data', region: 'eu-west-1', expiresIn: 60 });
  verify(req, { services: ['iot-jobs-data'], region: 'eu-west-1', canonicalUri: 'normalized' });
});

test('tampering with a presigned URL is a signature mismatch', async () => {
  const req = await smithyPresign({ method: 'GET', path: '/bucket/dir/file.bin', query: { versionId: 'v1' }, service: 's3', region: 'us-east-1', expiresIn: 600, sessionToken: 'TOKEN' });
  verify(req);
  const tampered = (change: Partial<IncomingSignedRequest>) => rejects(() => verify({ ...req, ...change }), 'signature-mismatch');
  // aws-wire-protocols.md §4.4: the method is signed.
  tampered({ method: 'PUT' });
  tampered({ method: 'HEAD' });
  tampered({ rawUrl: req.rawUrl.replace('file.bin', 'file.exe') });
  tampered({ rawUrl: req.rawUrl.replace('X-Amz-Expires=600', 'X-Amz-Expires=6000') });
  tampered({ rawUrl: req.rawUrl.replace('X-Amz-Security-Token=TOKEN', 'X-Amz-Security-Token=TOKEM') });
  tampered({ rawUrl: req.rawUrl.replace('versionId=v1', 'versionId=v2') });
  tampered({ rawUrl: `${req.rawUrl}&extra=1` });
  tampered({ rawUrl: req.rawUrl.replace(/X-Amz-Signature=([0-9a-f])/, (_m, c: string) => `X-Amz-Signature=${c === 'a' ? 'b' : 'a'}`) });
  tampered({ headers: { host: ['evil.example.com'] } });
  rejects(() => verify(req, { secretAccessKey: 'nope' }), 'signature-mismatch');
  rejects(() => verify(req, { region: 'eu-west-1' }), 'wrong-region');
  rejects(() => verify(req, { services: ['iot'] }), 'scope-mismatch');
  // The payload of a presigned URL is UNSIGNED-PAYLOAD, whatever the body.
  rejects(() => verify(req, { payloadHash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' }), 'signature-mismatch');
});

test('a presigned URL expires after X-Amz-Date + X-Amz-Expires and is not valid 15 minutes before its date', async () => {
  const req = await smithyPresign({ method: 'GET', path: '/bucket/k', service: 's3', region: 'us-east-1', expiresIn: 120 });
  verify(req, { nowMs: NOW });
  verify(req, { nowMs: NOW + 120_000 });
  assert.throws(
    () => verify(req, { nowMs: NOW + 120_001 + 5000 }),
    (err: unknown) => {
      assert.ok(isFerryError(err));
      assert.equal(err.details.reason, 'request-expired');
      assert.equal(err.message, 'Request has expired');
      assert.deepEqual(err.details.fields, { 'X-Amz-Expires': '120', Expires: '2025-03-14T15:11:26Z', ServerTime: '2025-03-14T15:11:31Z' });
      return true;
    },
  );
  rejects(() => verify(req, { nowMs: NOW + 120_001 }), 'request-expired');
  verify(req, { nowMs: NOW - 15 * MIN });
  rejects(() => verify(req, { nowMs: NOW - 15 * MIN - 1 }), 'request-not-yet-valid');
  // A week-long URL lives a week; clock skew does not apply to presigned URLs.
  const week = await smithyPresign({ method: 'GET', path: '/bucket/k', service: 's3', region: 'us-east-1', expiresIn: 604800 });
  verify(week, { nowMs: NOW + 604800_000 });
  rejects(() => verify(week, { nowMs: NOW + 604800_001 }), 'request-expired');
});

const presignInput = (over: Partial<Parameters<typeof presignUrl>[0]> = {}): Parameters<typeof presignUrl>[0] => ({
  method: 'GET',
  origin: `https://${HOST}`,
  path: '/bucket/dir/file%20name.bin',
  accessKeyId: CREDS.accessKeyId,
  secretAccessKey: CREDS.secretAccessKey,
  region: 'us-east-1',
  service: 's3',
  expiresSec: 3600,
  nowMs: NOW,
  ...over,
});

/** As a client sends it: WHATWG URL would resolve '..' segments, which S3 clients do not. */
function asReceived(url: string): IncomingSignedRequest {
  const m = /^https:\/\/([^/]+)(\/.*)$/.exec(url);
  assert.ok(m);
  return { method: 'GET', rawUrl: m[2]!, headers: { host: [m[1]!] } };
}

test('presignUrl signs exactly as smithy does', async () => {
  const rand = random(42);
  for (let i = 0; i < 100; i++) {
    const method = pick(rand, ['GET', 'PUT', 'HEAD'] as const);
    const path = s3Path(pick(rand, ['bucket', 'b.dots']), randomKey(rand));
    const sessionToken = rand() < 0.5 ? `tok/${awkwardString(rand)}=` : undefined;
    const expiresSec = 1 + Math.floor(rand() * 604800);
    const url = presignUrl(presignInput({ method, path, expiresSec, ...(sessionToken !== undefined ? { sessionToken } : {}) }));
    const oracle = await smithyPresign({ method, path, service: 's3', region: 'us-east-1', expiresIn: expiresSec, ...(sessionToken !== undefined ? { sessionToken } : {}) });
    const ours = new URL(url).searchParams;
    const theirs = new URLSearchParams(oracle.rawUrl.split('?')[1]);
    assert.equal(ours.get('X-Amz-Signature'), theirs.get('X-Amz-Signature'), `case ${i}: ${url}`);
    for (const name of ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Security-Token']) {
      assert.equal(ours.get(name), theirs.get(name), name);
    }
    verify({ ...asReceived(url), method }, { nowMs: NOW });
  }
});

test('presignUrl: host-only signed headers, UNSIGNED-PAYLOAD, no checksum parameters, default port dropped', () => {
  const url = presignUrl(presignInput({ origin: 'https://s3.example.com:443', sessionToken: 'T' }));
  const u = new URL(url);
  assert.equal(u.host, 's3.example.com');
  assert.equal(u.pathname, '/bucket/dir/file%20name.bin');
  assert.deepEqual([...u.searchParams.keys()], [
    'X-Amz-Algorithm',
    'X-Amz-Credential',
    'X-Amz-Date',
    'X-Amz-Expires',
    'X-Amz-Security-Token',
    'X-Amz-SignedHeaders',
    'X-Amz-Signature',
  ]);
  assert.equal(u.searchParams.get('X-Amz-SignedHeaders'), 'host');
  assert.equal(u.searchParams.get('X-Amz-Credential'), 'AKIDEXAMPLE/20250314/us-east-1/s3/aws4_request');
  assert.match(url, /X-Amz-Credential=AKIDEXAMPLE%2F20250314%2Fus-east-1%2Fs3%2Faws4_request/);
  const parsed = parseSignature(asReceived(url));
  assert.equal(parsed?.securityToken, 'T');
  verify(asReceived(url), { nowMs: NOW + 3600_000 });
  rejects(() => verify(asReceived(url), { nowMs: NOW + 3600_001 }), 'request-expired');
  // A path that already has a query keeps it, signed.
  const versioned = presignUrl(presignInput({ path: '/bucket/k?versionId=a%20b' }));
  assert.match(versioned, /\/bucket\/k\?versionId=a%20b&X-Amz-Algorithm=/);
  verify(asReceived(versioned));
  rejects(() => verify(asReceived(versioned.replace('versionId=a%20b', 'versionId=c'))), 'signature-mismatch');
});

test('presignUrl refuses expiries outside 1 s .. 1 week', () => {
  for (const expiresSec of [0, -1, 604801, 1.5]) {
    assert.throws(() => presignUrl(presignInput({ expiresSec })), (err: unknown) => isFerryError(err) && err.kind === 'InvalidInput');
  }
});
