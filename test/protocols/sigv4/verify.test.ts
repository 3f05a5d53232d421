import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import { isFerryError } from '../../../src/errors.js';
import { hashPayload, parseSignature, verifySignature, EMPTY_SHA256 } from '../../../src/protocols/sigv4/index.js';
import type { IncomingSignedRequest, ParsedSignature } from '../../../src/protocols/sigv4/index.js';
import { CREDS, HOST, SIGNING_DATE, awkwardString, encodeLabel, pick, random, rejects, smithySign, type SignInput } from './oracle.js';

const NOW = SIGNING_DATE.getTime();
const MIN = 60_000;

interface Case {
  input: SignInput;
  s3: boolean;
}

function randomPath(rand: () => number, s3: boolean): string {
  const segments: string[] = s3 ? ['my-bucket'] : [];
  const n = 1 + Math.floor(rand() * 5);
  for (let i = 0; i < n; i++) {
    const r = rand();
    // S3 keys keep '', '.' and '..' segments verbatim; other services normalise them away.
    segments.push(r < 0.1 ? '' : r < 0.17 ? '.' : r < 0.24 ? '..' : encodeLabel(awkwardString(rand)));
  }
  return `/${segments.join('/')}${rand() < 0.2 ? '/' : ''}`;
}

function randomQuery(rand: () => number): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  const n = Math.floor(rand() * 5);
  for (let i = 0; i < n; i++) {
    const key = awkwardString(rand, 3);
    const r = rand();
    query[key] = r < 0.25 ? '' : r < 0.45 ? [awkwardString(rand, 3, 0), awkwardString(rand, 3, 0), 'z'] : awkwardString(rand, 4, 0);
  }
  return query;
}

function randomCase(rand: () => number, i: number): Case {
  const s3 = i % 2 === 0;
  const service = s3 ? 's3' : pick(rand, ['iot', 'execute-api', 'iot-jobs-data', 'iam']);
  const headers: Record<string, string> = {};
  if (rand() < 0.5) headers['x-amz-meta-note'] = '  spaced   out \t value  ';
  if (rand() < 0.5) headers['content-type'] = 'application/json';
  const method = s3 ? pick(rand, ['GET', 'PUT', 'HEAD', 'DELETE', 'POST']) : pick(rand, ['GET', 'POST', 'PATCH', 'DELETE']);
  const body = !s3 && method !== 'GET' ? JSON.stringify({ name: awkwardString(rand) }) : undefined;
  const input: SignInput = {
    method,
    path: randomPath(rand, s3),
    query: randomQuery(rand),
    headers,
    service,
    region: pick(rand, ['us-east-1', 'eu-west-3']),
    ...(body !== undefined ? { body } : {}),
    ...(rand() < 0.3 ? { sessionToken: `token/${awkwardString(rand)}==` } : {}),
  };
  return { input, s3 };
}

function verify(req: IncomingSignedRequest, c: Case, over: Partial<Parameters<typeof verifySignature>[2]> = {}, parsed?: ParsedSignature) {
  const p = parsed ?? parseSignature(req);
  assert.ok(p, 'the request carries a signature');
  return verifySignature(req, p, {
    secretAccessKey: CREDS.secretAccessKey,
    nowMs: NOW,
    services: [c.input.service],
    region: c.input.region,
    payloadHash: c.s3 ? (p.contentSha256 ?? EMPTY_SHA256) : hashPayload(c.input.body ?? ''),
    canonicalUri: c.s3 ? 's3' : 'normalized',
    ...over,
  });
}

const clone = (req: IncomingSignedRequest): IncomingSignedRequest => ({ ...req, headers: structuredClone(req.headers) });

test('requests signed by smithy verify (S3 and normalised services, awkward paths and queries)', async () => {
  const rand = random(20250314);
  for (let i = 0; i < 400; i++) {
    const c = randomCase(rand, i);
    const req = await smithySign(c.input);
    try {
      const { seedSignature, signingKey } = verify(req, c);
      assert.equal(seedSignature, parseSignature(req)?.signature);
      assert.equal(signingKey.length, 32);
    } catch (err) {
      assert.fail(`case ${i} ${JSON.stringify(c.input)} ${req.rawUrl}: ${String(err)} ${JSON.stringify(isFerryError(err) ? err.details.fields : {})}`);
    }
  }
});

test('the parsed signature reflects the request', async () => {
  const c: Case = { s3: true, input: { method: 'PUT', path: '/b/k', service: 's3', region: 'us-east-1', sessionToken: 'TOKEN' } };
  const parsed = parseSignature(await smithySign(c.input));
  assert.ok(parsed);
  assert.equal(parsed.mode, 'header');
  assert.equal(parsed.accessKeyId, CREDS.accessKeyId);
  assert.deepEqual(parsed.scope, { date: '20250314', region: 'us-east-1', service: 's3' });
  assert.equal(parsed.requestTimeMs, NOW);
  assert.equal(parsed.securityToken, 'TOKEN');
  assert.equal(parsed.contentSha256, EMPTY_SHA256);
  assert.deepEqual(parsed.signedHeaders, ['host', 'x-amz-content-sha256', 'x-amz-date', 'x-amz-security-token']);
  assert.match(parsed.signature, /^[0-9a-f]{64}$/);
  assert.equal(parsed.expiresSec, undefined);
});

for (const s3 of [true, false]) {
  const label = s3 ? 'S3' : 'iot';
  const c: Case = {
    s3,
    input: {
      method: 'PUT',
      path: s3 ? '/bucket/dir/file%20name.txt' : '/things/my-thing',
      query: { a: '1', b: ['x', 'y'], flag: '' },
      headers: { 'x-amz-meta-colour': 'blue', 'content-type': 'text/plain' },
      ...(s3 ? {} : { body: '{"a":1}' }),
      service: s3 ? 's3' : 'iot',
      region: 'eu-west-3',
    },
  };

  test(`${label}: tampering with any signed part gives the right reason`, async () => {
    const req = await smithySign(c.input);
    verify(req, c);
    const mismatch = (mutate: (r: IncomingSignedRequest) => void, over = {}) => {
      const r = clone(req);
      mutate(r);
      rejects(() => verify(r, c, over), 'signature-mismatch');
    };
    mismatch((r) => (r.method = 'POST'));
    mismatch((r) => (r.rawUrl = r.rawUrl.replace('/things/my-thing', '/things/my-thinG').replace('file%20name', 'file%20nam')));
    mismatch((r) => (r.rawUrl = r.rawUrl.replace('a=1', 'a=2')));
    mismatch((r) => (r.rawUrl += '&extra=1'));
    mismatch((r) => (r.rawUrl = r.rawUrl.replace('b=x&', '')));
    mismatch((r) => (r.headers['x-amz-meta-colour'] = ['red']));
    mismatch((r) => (r.headers['host'] = ['other.example.com']));
    mismatch(() => {}, { secretAccessKey: 'not-the-secret' });
    mismatch(() => {}, { payloadHash: hashPayload('another body') });
    // The same day, one second later: parse accepts it, the signature does not.
    mismatch((r) => (r.headers['x-amz-date'] = ['20250314T150927Z']));
    // Unsigned headers may change freely.
    const extra = clone(req);
    extra.headers['user-agent'] = ['something/1.0'];
    extra.headers['x-unsigned'] = ['whatever'];
    verify(extra, c);
  });

  test(`${label}: the scope must name an accepted service and the expected region`, async () => {
    const req = await smithySign(c.input);
    rejects(() => verify(req, c, { services: ['iam'] }), 'scope-mismatch');
    rejects(() => verify(req, c, { region: 'us-east-1' }), 'wrong-region');
    assert.throws(() => verify(req, c, { services: ['iot-jobs-data'] }), /'iot-jobs-data'/);
    // Several services may be accepted, and the region check is optional.
    verify(req, c, { services: ['execute-api', c.input.service] });
    const p = parseSignature(req)!;
    verifySignature(req, p, {
      secretAccessKey: CREDS.secretAccessKey,
      nowMs: NOW,
      services: [c.input.service],
      payloadHash: s3 ? p.contentSha256! : hashPayload(c.input.body ?? ''),
      canonicalUri: s3 ? 's3' : 'normalized',
    });
  });

  test(`${label}: the scope service in the signature itself is checked`, async () => {
    // Signed for another service by a client: the scope check fires before the signature check.
    const req = await smithySign({ ...c.input, service: 'sts' });
    rejects(() => verify(req, c), 'scope-mismatch');
    // Signed for another region and accepted for it, but the signature covers the region too.
    const other = await smithySign({ ...c.input, region: 'ap-south-1' });
    verify(other, c, { region: 'ap-south-1' });
    const p = parseSignature(other)!;
    p.scope.region = 'eu-west-3';
    rejects(() => verify(other, c, {}, p), 'signature-mismatch');
  });

  test(`${label}: header auth is refused beyond 15 minutes of clock skew`, async () => {
    const req = await smithySign(c.input);
    verify(req, c, { nowMs: NOW + 15 * MIN });
    verify(req, c, { nowMs: NOW - 15 * MIN });
    for (const nowMs of [NOW + 15 * MIN + 1000, NOW - 15 * MIN - 1000, NOW + 24 * 60 * MIN]) {
      assert.throws(
        () => verify(req, c, { nowMs }),
        (err: unknown) => {
          assert.ok(isFerryError(err));
          assert.equal(err.details.reason, 'clock-skew');
          assert.deepEqual(err.details.fields, { RequestTime: '2025-03-14T15:09:26Z', ServerTime: new Date(nowMs).toISOString().replace('.000Z', 'Z') });
          assert.match(err.message, nowMs > NOW ? /Signature expired/ : /Signature not yet current/);
          return true;
        },
      );
    }
  });
}

test('a signature mismatch carries the canonical request and string to sign, S3-style', async () => {
  const c: Case = { s3: true, input: { method: 'GET', path: '/b/k', service: 's3', region: 'us-east-1' } };
  const req = await smithySign(c.input);
  try {
    verify(req, c, { secretAccessKey: 'wrong' });
    assert.fail('expected a mismatch');
  } catch (err) {
    assert.ok(isFerryError(err));
    assert.equal(err.message, 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
    const fields = err.details.fields!;
    assert.equal(fields['AWSAccessKeyId'], CREDS.accessKeyId);
    assert.equal(fields['SignatureProvided'], parseSignature(req)!.signature);
    assert.match(fields['CanonicalRequest']!, /^GET\n\/b\/k\n\nhost:ferry\.example\.com:8443\n/);
    assert.match(fields['StringToSign']!, /^AWS4-HMAC-SHA256\n20250314T150926Z\n20250314\/us-east-1\/s3\/aws4_request\n[0-9a-f]{64}$/);
  }
});

test('repeated headers are joined with commas, each value trimmed', async () => {
  const c: Case = { s3: true, input: { method: 'GET', path: '/b/k', headers: { 'x-amz-meta-list': 'one,two  three' }, service: 's3', region: 'us-east-1' } };
  const req = await smithySign(c.input);
  // node's headersDistinct keeps the two header lines apart; the canonical form joins them.
  req.headers['x-amz-meta-list'] = ['  one ', 'two   three'];
  verify(req, c);
  req.headers['x-amz-meta-list'] = ['two three', 'one'];
  rejects(() => verify(req, c), 'signature-mismatch');
});

test('a value-less query parameter signs as key=', async () => {
  const c: Case = { s3: true, input: { method: 'POST', path: '/b/k', query: { uploads: '' }, service: 's3', region: 'us-east-1' } };
  const req = await smithySign(c.input);
  assert.equal(req.rawUrl, '/b/k?uploads=');
  verify(req, c);
  // Clients like botocore and curl send `?uploads` without '='.
  verify({ ...req, rawUrl: '/b/k?uploads' }, c);
});

test('query spelling variants decode to the same canonical query', async () => {
  const c: Case = { s3: true, input: { method: 'GET', path: '/b/', query: { prefix: 'a b+c', 'list-type': '2' }, service: 's3', region: 'us-east-1' } };
  const req = await smithySign(c.input);
  assert.equal(req.rawUrl, '/b/?list-type=2&prefix=a%20b%2Bc');
  verify(req, c);
  verify({ ...req, rawUrl: '/b/?prefix=a+b%2bc&list-type=2' }, c);
  // Lower-case hex in the path is re-encoded too.
  const k: Case = { s3: true, input: { method: 'GET', path: '/b/%C3%A9', service: 's3', region: 'us-east-1' } };
  const reqK = await smithySign(k.input);
  verify({ ...reqK, rawUrl: '/b/%c3%a9' }, k);
});

test('S3 paths are never normalised, other services always are', async () => {
  const s3: Case = { s3: true, input: { method: 'GET', path: '/b/a//./../k/', service: 's3', region: 'us-east-1' } };
  verify(await smithySign(s3.input), s3);
  const s3Req = await smithySign(s3.input);
  rejects(() => verify({ ...s3Req, rawUrl: '/b/k/' }, s3), 'signature-mismatch');
  const iot: Case = { s3: false, input: { method: 'GET', path: '/things//a/./b/../c%20d/', service: 'iot', region: 'us-east-1' } };
  const iotReq = await smithySign(iot.input);
  verify(iotReq, iot);
  // The normalised spelling of the same path signs the same.
  verify({ ...iotReq, rawUrl: '/things/a/c%20d/' }, iot);
  // A reserved character sent bare is encoded once, as sent (the SDK's PUT …/jobs/$next signs %24next).
  const next: Case = { s3: false, input: { method: 'PUT', path: '/things/t/jobs/$next', service: 'iot-jobs-data', region: 'us-east-1', body: '{}' } };
  const nextReq = await smithySign(next.input);
  verify(nextReq, next);
  const encoded: Case = { s3: false, input: { method: 'GET', path: '/things/t/jobs/%24next', service: 'iot-jobs-data', region: 'us-east-1' } };
  verify(await smithySign(encoded.input), encoded);
  rejects(() => verify({ ...nextReq, rawUrl: '/things/t/jobs/%24next' }, next), 'signature-mismatch');
});

test('a client that signed the Date header instead of X-Amz-Date verifies', async () => {
  // smithy always signs with X-Amz-Date, so build the canonical request by hand and let smithy sign the string.
  const date = 'Fri, 14 Mar 2025 15:09:26 GMT';
  const canonical = ['GET', '/things', 'maxResults=5', `date:${date}`, `host:${HOST}`, '', 'date;host', EMPTY_SHA256].join('\n');
  const toSign = ['AWS4-HMAC-SHA256', '20250314T150926Z', '20250314/us-east-1/iot/aws4_request', hashPayload(canonical)].join('\n');
  const smithy = new SignatureV4({ service: 'iot', region: 'us-east-1', credentials: CREDS, sha256: Sha256 });
  const signature = await smithy.sign(toSign, { signingDate: SIGNING_DATE });
  const req: IncomingSignedRequest = {
    method: 'GET',
    rawUrl: '/things?maxResults=5',
    headers: {
      host: [HOST],
      date: [date],
      authorization: [`AWS4-HMAC-SHA256 Credential=${CREDS.accessKeyId}/20250314/us-east-1/iot/aws4_request,SignedHeaders=date;host,Signature=${signature}`],
    },
  };
  const parsed = parseSignature(req);
  assert.equal(parsed?.requestTimeMs, NOW);
  const c: Case = { s3: false, input: { method: 'GET', path: '/things', service: 'iot', region: 'us-east-1' } };
  verify(req, c, {}, parsed!);
});

test('derived signing keys are cached per secret, date, region and service', async () => {
  const c: Case = { s3: true, input: { method: 'GET', path: '/b/k', service: 's3', region: 'us-east-1' } };
  const req = await smithySign(c.input);
  const a = verify(req, c);
  const b = verify(req, c);
  assert.equal(a.signingKey, b.signingKey, 'the same Buffer comes back from the cache');
  // Many other scopes push it out, and it is derived again, equal but new.
  for (let i = 0; i < 60; i++) {
    const other = await smithySign({ ...c.input, region: `r-${i}` });
    verify(other, c, { region: `r-${i}` });
  }
  const again = verify(req, c);
  assert.notEqual(again.signingKey, a.signingKey);
  assert.deepEqual(again.signingKey, a.signingKey);
});
