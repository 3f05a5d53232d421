import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { crc32, crc32c, crc64nvme } from '../../src/objects/crc.js';
import { combineCrcs } from '../../src/objects/crc-combine.js';
import { checksumHasher } from '../../src/objects/digests.js';
import { compareKeys, prefixEnd } from '../../src/objects/keys.js';

test('CRC32, CRC32C and CRC64/NVME give the catalogue check values, in any chunking', () => {
  const data = Buffer.from('123456789');
  const cases = [
    [crc32, 'cbf43926'],
    [crc32c, 'e3069283'],
    [crc64nvme, 'ae8b14860a799888'],
  ] as const;
  for (const [make, check] of cases) {
    const whole = make();
    whole.update(data);
    assert.equal(whole.digest().toString('hex'), check);
    const pieces = make();
    for (const b of data) pieces.update(Buffer.from([b]));
    assert.equal(pieces.digest().toString('hex'), check);
  }
});

test('combining part CRCs gives the CRC of the whole (FULL_OBJECT multipart checksums)', () => {
  const parts = [randomBytes(100_003), randomBytes(100_003), randomBytes(17), Buffer.alloc(0), randomBytes(5)];
  for (const algorithm of ['CRC32', 'CRC32C', 'CRC64NVME'] as const) {
    const whole = checksumHasher(algorithm);
    for (const p of parts) whole.update(p);
    const combined = combineCrcs(
      algorithm,
      parts.map((p) => {
        const h = checksumHasher(algorithm);
        h.update(p);
        return { crc: h.digest(), size: p.length };
      }),
    );
    assert.equal(combined.toString('hex'), whole.digest().toString('hex'), algorithm);
  }
});

test('key order is UTF-8 byte order, and prefixEnd bounds every key with the prefix', () => {
  assert.ok(compareKeys('\uFFFD', '\u{1F600}') < 0);
  assert.ok(compareKeys('a/', 'a0') < 0);
  assert.equal(prefixEnd('a/'), 'a0');
  assert.equal(prefixEnd('dir\u{10FFFF}'), 'dis');
  assert.equal(prefixEnd('x\uD7FF'), 'x\uE000');
  assert.equal(prefixEnd(''), undefined);
  for (const key of ['a/', 'a/\u{10FFFF}\u{10FFFF}', 'a/zzz']) assert.ok(compareKeys(key, prefixEnd('a/')!) < 0);
});
