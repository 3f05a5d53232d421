import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isFerryError } from '../../../src/errors.js';
import {
  createAwsChunkedDecoder,
  parseSignature,
  verifySignature,
  STREAMING_SIGNED,
  STREAMING_SIGNED_TRAILER,
  type AwsChunkedOptions,
} from '../../../src/protocols/sigv4/index.js';
import { CREDS, SIGNING_DATE, random, signer, smithySign } from './oracle.js';

type Mode = AwsChunkedOptions['mode'];

const PAYLOAD = Buffer.from(Array.from({ length: 237 }, (_, i) => (i * 37 + 11) & 0xff));
const crcOf = (data: Buffer) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(crc32(data));
  return b.toString('base64');
};

interface Upload {
  body: Buffer;
  opts: AwsChunkedOptions;
  /** Chunk signatures in order, the final chunk's last. */
  signatures: string[];
}

/** Builds a signed aws-chunked body the way the SDKs do, with smithy computing every signature. */
async function signedUpload(mode: 'signed' | 'signed-trailer', payload = PAYLOAD, chunkSize = 100): Promise<Upload> {
  const req = await smithySign({
    method: 'PUT',
    path: '/bucket/object',
    headers: {
      'x-amz-content-sha256': mode === 'signed' ? STREAMING_SIGNED : STREAMING_SIGNED_TRAILER,
      'content-encoding': 'aws-chunked',
      'x-amz-decoded-content-length': String(payload.length),
      ...(mode === 'signed-trailer' ? { 'x-amz-trailer': 'x-amz-checksum-crc32' } : {}),
    },
    service: 's3',
    region: 'us-east-1',
  });
  const parsed = parseSignature(req)!;
  const { signingKey, seedSignature } = verifySignature(req, parsed, {
    secretAccessKey: CREDS.secretAccessKey,
    nowMs: SIGNING_DATE.getTime(),
    services: ['s3'],
    region: 'us-east-1',
    payloadHash: parsed.contentSha256!,
    canonicalUri: 's3',
  });
  const smithy = signer('s3', 'us-east-1');
  const parts: Buffer[] = [];
  const signatures: string[] = [];
  let prior = seedSignature;
  const chunks: Buffer[] = [];
  for (let i = 0; i < payload.length; i += chunkSize) chunks.push(payload.subarray(i, i + chunkSize));
  chunks.push(Buffer.alloc(0));
  for (const chunk of chunks) {
    // node-ecosystem.md §2: smithy's event signing computes exactly the aws-chunked chunk signature.
    prior = await smithy.sign({ headers: new Uint8Array(0), payload: chunk }, { signingDate: SIGNING_DATE, priorSignature: prior });
    signatures.push(prior);
    parts.push(Buffer.from(`${chunk.length.toString(16)};chunk-signature=${prior}\r\n`));
    if (chunk.length > 0) parts.push(chunk, Buffer.from('\r\n'));
  }
  if (mode === 'signed-trailer') {
    const trailer = `x-amz-checksum-crc32:${crcOf(payload)}\n`;
    const toSign = ['AWS4-HMAC-SHA256-TRAILER', '20250314T150926Z', '20250314/us-east-1/s3/aws4_request', prior, createHash('sha256').update(trailer).digest('hex')].join('\n');
    const trailerSignature = await smithy.sign(toSign, { signingDate: SIGNING_DATE });
    parts.push(Buffer.from(`${trailer.replace('\n', '\r\n')}x-amz-trailer-signature:${trailerSignature}\r\n`));
  }
  parts.push(Buffer.from('\r\n'));
  return {
    body: Buffer.concat(parts),
    signatures,
    opts: { mode, signingKey, seedSignature, requestTimeIso: '20250314T150926Z', scope: parsed.scope },
  };
}

/** The unsigned-trailer body the JS SDK writes by default since 3.729 (getAwsChunkedEncodingStream). */
function unsignedUpload(payload = PAYLOAD, chunkSize = 64, checksum = true): Upload {
  const parts: string[] = [];
  for (let i = 0; i < payload.length; i += chunkSize) {
    const chunk = payload.subarray(i, i + chunkSize);
    parts.push(`${chunk.length.toString(16)}\r\n${chunk.toString('latin1')}\r\n`);
  }
  parts.push('0\r\n');
  if (checksum) parts.push(`x-amz-checksum-crc32:${crcOf(payload)}\r\n`, '\r\n');
  return { body: Buffer.from(parts.join(''), 'latin1'), signatures: [], opts: { mode: 'unsigned-trailer' } };
}

async function decode(body: Buffer | Buffer[], opts: AwsChunkedOptions): Promise<{ data: Buffer; trailers: Record<string, string> }> {
  const pieces = Array.isArray(body) ? body : [body];
  const decoder = createAwsChunkedDecoder(opts);
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(pieces),
    decoder,
    new Writable({
      write(chunk: Buffer, _e, cb) {
        out.push(chunk);
        cb();
      },
    }),
  );
  return { data: Buffer.concat(out), trailers: decoder.trailers() };
}

async function decodeFails(body: Buffer | Buffer[], opts: AwsChunkedOptions, reason: string, kind = reason === 'incomplete-body' ? 'InvalidInput' : 'Unauthenticated'): Promise<void> {
  await assert.rejects(decode(body, opts), (err: unknown) => {
    assert.ok(isFerryError(err), `expected a FerryError, got ${String(err)}`);
    assert.equal(err.details.reason, reason, err.message);
    assert.equal(err.kind, kind);
    return true;
  });
}

/** Every way to cut the body in two, plus byte-by-byte and random small writes. */
function splits(body: Buffer, seed: number): Buffer[][] {
  const all: Buffer[][] = [];
  for (let i = 1; i < body.length; i++) all.push([body.subarray(0, i), body.subarray(i)]);
  all.push([...body].map((b) => Buffer.from([b])));
  const rand = random(seed);
  for (let r = 0; r < 20; r++) {
    const pieces: Buffer[] = [];
    for (let i = 0; i < body.length; ) {
      const n = 1 + Math.floor(rand() * 9);
      pieces.push(body.subarray(i, i + n));
      i += n;
    }
    all.push(pieces);
  }
  return all;
}

for (const mode of ['signed', 'signed-trailer', 'unsigned-trailer'] as const) {
  const build = () => (mode === 'unsigned-trailer' ? Promise.resolve(unsignedUpload()) : signedUpload(mode));
  const expectedTrailers = mode === 'signed' ? {} : { 'x-amz-checksum-crc32': crcOf(PAYLOAD) };

  test(`${mode}: decodes however the body is split across writes`, async () => {
    const { body, opts } = await build();
    for (const pieces of splits(body, body.length)) {
      const { data, trailers } = await decode(pieces, opts);
      assert.deepEqual(data, PAYLOAD);
      assert.deepEqual(trailers, expectedTrailers);
    }
  });

  test(`${mode}: truncated framing fails as an incomplete body`, async () => {
    const { body, opts } = await build();
    // The final empty line may be missing (the JS SDK omits it when it sends no checksum).
    const tolerated = new Set([body.length - 2]);
    if (mode === 'unsigned-trailer') tolerated.add(body.indexOf('0\r\nx-amz') + 3);
    for (let cut = 0; cut < body.length; cut++) {
      if (tolerated.has(cut)) {
        await decode(body.subarray(0, cut), opts);
        continue;
      }
      const afterFinalChunk = body.indexOf('\r\n', body.lastIndexOf('0;chunk-signature=')) + 2;
      const signatureMissing = mode === 'signed-trailer' && cut >= afterFinalChunk && body.subarray(cut).includes('x-amz-trailer-signature');
      const lineComplete = cut > 0 && body[cut - 1] === 0x0a;
      // Cut right after the final chunk's line, a signed-trailer body lacks its trailer signature.
      const reason = signatureMissing && lineComplete ? 'signature-mismatch' : 'incomplete-body';
      try {
        await decodeFails(body.subarray(0, cut), opts, reason);
      } catch (err) {
        assert.fail(`cut at ${cut}/${body.length} ${JSON.stringify(body.subarray(cut - 5, cut + 5).toString())}: ${String(err)}`);
      }
    }
  });
}

test('signed: a bad chunk signature, tampered data, reordered chunks or a wrong seed fail as a signature mismatch', async () => {
  const { body, opts, signatures } = await signedUpload('signed');
  const text = body.toString('latin1');
  const swap = (s: string, a: string, b: string) => Buffer.from(s.replace(a, b), 'latin1');
  const flip = (sig: string) => (sig[0] === 'a' ? 'b' : 'a') + sig.slice(1);
  for (const sig of signatures) await decodeFails(swap(text, sig, flip(sig)), opts, 'signature-mismatch');
  const tampered = Buffer.from(body);
  const at = body.indexOf('\r\n') + 2 + 50;
  tampered.writeUInt8(tampered.readUInt8(at) ^ 1, at);
  await decodeFails(tampered, opts, 'signature-mismatch');
  await decodeFails(body, { ...opts, seedSignature: flip(opts.seedSignature!) }, 'signature-mismatch');
  await decodeFails(body, { ...opts, requestTimeIso: '20250314T150927Z' }, 'signature-mismatch');
  await decodeFails(body, { ...opts, scope: { ...opts.scope!, service: 'iot' } }, 'signature-mismatch');
  // The second chunk first: its signature chains from the first, so it fails.
  const first = text.indexOf(`;chunk-signature=${signatures[1]}`);
  const header = text.lastIndexOf('\r\n', first) + 2;
  const end = text.indexOf(`;chunk-signature=${signatures[2]}`);
  const chunkTwo = text.slice(header, text.lastIndexOf('\r\n', end) + 2);
  await decodeFails(Buffer.from(chunkTwo + text.replace(chunkTwo, ''), 'latin1'), opts, 'signature-mismatch');
  // A chunk without a signature in a signed body.
  await decodeFails(swap(text, `;chunk-signature=${signatures[0]}`, ''), opts, 'signature-mismatch');
  await decodeFails(swap(text, `;chunk-signature=${signatures[0]}`, ';chunk-signature=xyz'), opts, 'signature-mismatch');
});

test('signed-trailer: a tampered or missing trailer signature fails', async () => {
  const { body, opts } = await signedUpload('signed-trailer');
  const text = body.toString('latin1');
  const crc = crcOf(PAYLOAD);
  await decodeFails(Buffer.from(text.replace(crc, 'AAAAAA=='), 'latin1'), opts, 'signature-mismatch');
  await decodeFails(Buffer.from(text.replace(/x-amz-trailer-signature:[0-9a-f]+\r\n/, ''), 'latin1'), opts, 'signature-mismatch');
  await decodeFails(Buffer.from(text.replace(/x-amz-trailer-signature:[0-9a-f]/, 'x-amz-trailer-signature:Z'), 'latin1'), opts, 'signature-mismatch');
  // Trailer names are case-insensitive; values are trimmed.
  const spaced = Buffer.from(text.replace(`x-amz-checksum-crc32:${crc}`, `X-Amz-Checksum-CRC32:  ${crc} `), 'latin1');
  assert.deepEqual((await decode(spaced, opts)).trailers, { 'x-amz-checksum-crc32': crc });
  // Another trailer after the signature is malformed.
  await decodeFails(Buffer.from(text.replace(/\r\n\r\n$/, '\r\nx-amz-meta-late:1\r\n\r\n'), 'latin1'), opts, 'incomplete-body');
});

test('unsigned-trailer: the JS SDK body without a checksum, and chunk extensions, decode', async () => {
  const { body, opts } = unsignedUpload(PAYLOAD, 50, false);
  assert.ok(body.subarray(-5).equals(Buffer.from('\r\n0\r\n')));
  assert.deepEqual(await decode(body, opts), { data: PAYLOAD, trailers: {} });
  const withExt = Buffer.from(unsignedUpload().body.toString('latin1').replace('40\r\n', '40;foo=bar\r\n'), 'latin1');
  assert.deepEqual((await decode(withExt, { mode: 'unsigned-trailer' })).data, PAYLOAD);
  // An empty object: just the final chunk.
  assert.deepEqual(await decode(Buffer.from('0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n'), opts), { data: Buffer.alloc(0), trailers: { 'x-amz-checksum-crc32': 'AAAAAA==' } });
});

test('malformed framing fails as an incomplete body', async () => {
  const opts: AwsChunkedOptions = { mode: 'unsigned-trailer' };
  const bad = async (text: string) => decodeFails(Buffer.from(text, 'latin1'), opts, 'incomplete-body');
  await bad('zz\r\nabc\r\n0\r\n\r\n');
  await bad('\r\nabc\r\n0\r\n\r\n');
  await bad('3\r\nabcd\r\n0\r\n\r\n');
  await bad('3\nabc\n0\n\n');
  await bad('3\r\nabc\r\n0\r\n\r\nextra');
  await bad('3\r\nabc\r\n0\r\nno-colon-here\r\n\r\n');
  await bad('3\r\nabc\r\n0\r\n:empty-name\r\n\r\n');
  await bad('ffffffffffffffff\r\n');
  await bad('');
  // Header and trailer lines are bounded, even without a newline in sight.
  await decodeFails([Buffer.from('3;'), Buffer.alloc(5000, 0x61)], opts, 'incomplete-body');
  await decodeFails(Buffer.from(`3\r\nabc\r\n0\r\nx-amz-meta-a:${'b'.repeat(100)}\r\n\r\n`), { ...opts, maxChunkHeaderBytes: 64 }, 'incomplete-body');
  const many = Array.from({ length: 100 }, (_, i) => `x-amz-meta-${i}:v\r\n`).join('');
  await bad(`0\r\n${many}\r\n`);
});

test('the decoder streams: data leaves before the chunk or the body ends', async () => {
  const decoder = createAwsChunkedDecoder({ mode: 'unsigned-trailer' });
  const seen: number[] = [];
  decoder.on('data', (chunk: Buffer) => seen.push(chunk.length));
  const size = 1 << 20;
  decoder.write(Buffer.from(`${size.toString(16)}\r\n`));
  for (let i = 0; i < 16; i++) decoder.write(Buffer.alloc(size / 16, i));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(seen.length, 16, 'each write came out on its own, nothing held back');
  assert.equal(
    seen.reduce((a, b) => a + b, 0),
    size,
  );
  decoder.end(Buffer.from('\r\n0\r\n\r\n'));
  await new Promise((resolve, reject) => decoder.on('end', resolve).on('error', reject).resume());
});

test('a signed decoder needs its key, seed, date and scope', () => {
  assert.throws(() => createAwsChunkedDecoder({ mode: 'signed' }), TypeError);
  assert.throws(() => createAwsChunkedDecoder({ mode: 'signed-trailer', signingKey: Buffer.alloc(32), seedSignature: 'a' }), TypeError);
});

test('a signed body decodes with 1-byte chunks and with one big chunk', async () => {
  const big = Buffer.alloc(100_000, 7);
  for (const chunkSize of [1, 100_000]) {
    const { body, opts } = await signedUpload('signed-trailer', chunkSize === 1 ? PAYLOAD.subarray(0, 20) : big, chunkSize);
    const { data, trailers } = await decode(body, opts);
    assert.deepEqual(data, chunkSize === 1 ? PAYLOAD.subarray(0, 20) : big);
    assert.ok(trailers['x-amz-checksum-crc32']);
  }
});
