import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isFerryError } from '../../src/errors.js';
import {
  MAX_JOB_DOCUMENT_BYTES,
  findPresignedPlaceholders,
  parseJobDocument,
  parseS3Url,
  renderDocument,
  type S3Location,
} from '../../src/jobs/document.js';

const OWN = ['https://localhost:9000', 'https://ferry.example.com'];
const ph = (url: string): string => `\${aws:iot:s3-presigned-url:${url}}`;

function throwsInvalid(fn: () => unknown, reason: string, message?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isFerryError(e), `expected a FerryError, got ${String(e)}`);
    assert.equal(e.kind, 'InvalidInput');
    assert.equal(e.details.reason, reason);
    if (message) assert.match(e.message, message);
    return true;
  });
}

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object') {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

// ---------------------------------------------------------------------------
// parseS3Url: every URL form (aws-wire-protocols.md §5, §4.1)

const FORMS: Array<[string, string, string]> = [
  ['https://s3.amazonaws.com/my-bucket/firmware/miso-1.0.0.bin', 'my-bucket', 'firmware/miso-1.0.0.bin'],
  ['https://s3.us-west-2.amazonaws.com/my-bucket/a/b.bin', 'my-bucket', 'a/b.bin'],
  ['https://s3-us-west-2.amazonaws.com/my-bucket/a.bin', 'my-bucket', 'a.bin'],
  ['https://s3-external-1.amazonaws.com/my-bucket/a.bin', 'my-bucket', 'a.bin'],
  ['https://s3.dualstack.eu-west-1.amazonaws.com/my-bucket/k', 'my-bucket', 'k'],
  ['https://s3.cn-north-1.amazonaws.com.cn/my-bucket/k', 'my-bucket', 'k'],
  ['https://my-bucket.s3.amazonaws.com/a/b.bin', 'my-bucket', 'a/b.bin'],
  ['https://my-bucket.s3.eu-central-1.amazonaws.com/k.bin', 'my-bucket', 'k.bin'],
  ['https://my-bucket.s3-us-west-2.amazonaws.com/k', 'my-bucket', 'k'],
  ['https://my.dotted.bucket.s3.us-east-1.amazonaws.com/k', 'my.dotted.bucket', 'k'],
  ['https://s3-named.s3.amazonaws.com/k', 's3-named', 'k'],
  ['https://my-bucket.s3.cn-north-1.amazonaws.com.cn/fw/1.bin', 'my-bucket', 'fw/1.bin'],
  ['https://MY-BUCKET.S3.AMAZONAWS.COM/Key.BIN', 'my-bucket', 'Key.BIN'],
  ['http://s3.amazonaws.com/my-bucket/k', 'my-bucket', 'k'],
  ['https://s3.amazonaws.com:443/my-bucket/k', 'my-bucket', 'k'],
  ['https://localhost:9000/my-bucket/firmware/a.bin', 'my-bucket', 'firmware/a.bin'],
  ['https://LOCALHOST:9000/my-bucket/k', 'my-bucket', 'k'],
  ['https://ferry.example.com/my-bucket/k', 'my-bucket', 'k'],
  ['https://ferry.example.com:443/my-bucket/k', 'my-bucket', 'k'],
  ['https://s3.amazonaws.com/my-bucket/k?versionId=3&x-id=GetObject', 'my-bucket', 'k'],
  ['https://s3.amazonaws.com/my-bucket/k#frag', 'my-bucket', 'k'],
];

for (const [url, bucket, key] of FORMS) {
  test(`parseS3Url ${url}`, () => {
    assert.deepEqual(parseS3Url(url, OWN), { bucket, key });
  });
}

test('parseS3Url: own origins are normalized (trailing slash, default port, IPv6)', () => {
  assert.deepEqual(parseS3Url('https://ferry.example.com/b-1/k', ['https://FERRY.example.com:443/']), { bucket: 'b-1', key: 'k' });
  assert.deepEqual(parseS3Url('https://[::1]:9000/b-1/k', ['https://[::1]:9000']), { bucket: 'b-1', key: 'k' });
  assert.deepEqual(parseS3Url('https://127.0.0.1:9000/b-1/k', ['https://127.0.0.1:9000']), { bucket: 'b-1', key: 'k' });
  throwsInvalid(() => parseS3Url('https://localhost:9001/b-1/k', OWN), 'invalid-s3-url', /localhost/);
  throwsInvalid(() => parseS3Url('http://localhost:9000/b-1/k', OWN), 'invalid-s3-url');
  throwsInvalid(() => parseS3Url('https://localhost:9000/b-1/k'), 'invalid-s3-url');
  // A junk origin in the list is ignored rather than fatal.
  assert.deepEqual(parseS3Url('https://localhost:9000/b-1/k', ['not a url', 'https://localhost:9000']), { bucket: 'b-1', key: 'k' });
});

test('parseS3Url: keys are percent-decoded the way S3 reads them', () => {
  const key = (path: string) => parseS3Url(`https://s3.amazonaws.com/my-bucket/${path}`).key;
  assert.equal(key('my%20file.bin'), 'my file.bin');
  assert.equal(key('my+file.bin'), 'my file.bin', 'S3 reads + in a path as a space');
  assert.equal(key('c%2B%2B.bin'), 'c++.bin');
  assert.equal(key('dir%2Ffile.bin'), 'dir/file.bin');
  assert.equal(key('%E3%83%95%E3%82%A1%E3%82%A4%E3%83%AB.bin'), 'ファイル.bin');
  assert.equal(key('ファイル.bin'), 'ファイル.bin');
  assert.equal(key('%F0%9F%9A%80/rocket.bin'), '🚀/rocket.bin');
  assert.equal(key('a//b'), 'a//b');
  assert.equal(key('a/../b'), 'a/../b', 'no dot-segment normalization: S3 keys are literal');
  assert.equal(key('a/%2E%2E/b'), 'a/../b');
  assert.equal(key('dir/'), 'dir/');
  assert.equal(key('100%25.bin'), '100%.bin');
  assert.equal(parseS3Url('https://my-bucket.s3.amazonaws.com/my%20dir/a+b%2Fc.bin').key, 'my dir/a b/c.bin');
});

test('parseS3Url: malformed URLs are invalid input naming the URL', () => {
  const bad = [
    '',
    'not a url',
    's3://my-bucket/k',
    'ftp://s3.amazonaws.com/my-bucket/k',
    'https://example.com/my-bucket/k',
    'https://s3.amazonaws.com',
    'https://s3.amazonaws.com/',
    'https://s3.amazonaws.com/my-bucket',
    'https://s3.amazonaws.com/my-bucket/',
    'https://my-bucket.s3.amazonaws.com/',
    'https://s3.amazonaws.com/Bad_Bucket/k',
    'https://s3.amazonaws.com/ab/k',
    'https://s3.amazonaws.com/my-bucket/bad%zzencoding',
    'https://s3.amazonaws.com/my-bucket/%E3%83',
    'https://user@s3.amazonaws.com/my-bucket/k',
    'https://s3.foo.bar.amazonaws.com/my-bucket/k',
    ' https://s3.amazonaws.com/my-bucket/k',
    `https://s3.amazonaws.com/my-bucket/${'k'.repeat(1025)}`,
  ];
  for (const url of bad) {
    throwsInvalid(() => parseS3Url(url, OWN), 'invalid-s3-url', /Invalid S3 object URL/);
  }
  assert.doesNotThrow(() => parseS3Url(`https://s3.amazonaws.com/my-bucket/${'k'.repeat(1024)}`));
});

// ---------------------------------------------------------------------------
// findPresignedPlaceholders

const STORY_DOC = {
  operation: 'download',
  version: '1.0.0',
  url: ph('https://s3.amazonaws.com/my-bucket/firmware/miso-1.0.0.bin'),
};

test('findPresignedPlaceholders: the story document', () => {
  assert.deepEqual(findPresignedPlaceholders(STORY_DOC), [
    { url: 'https://s3.amazonaws.com/my-bucket/firmware/miso-1.0.0.bin', bucket: 'my-bucket', key: 'firmware/miso-1.0.0.bin' },
  ]);
});

test('findPresignedPlaceholders: walks nested arrays and objects, several per string, distinct URLs in order', () => {
  const doc = {
    version: '1.0',
    steps: [
      { action: { name: 'Download', input: { args: [ph('https://b-1.s3.amazonaws.com/a.bin'), '/tmp/a.bin'] } } },
      { action: { input: { args: [`${ph('https://s3.amazonaws.com/b-2/x y.bin')} and ${ph('https://localhost:9000/b-3/z.bin')}`] } } },
    ],
    again: [[[ph('https://b-1.s3.amazonaws.com/a.bin')]]],
    numbers: [1, 2.5, true, null],
    [ph('https://s3.amazonaws.com/keys-are/not-scanned')]: 'plain',
  };
  assert.deepEqual(findPresignedPlaceholders(doc, OWN), [
    { url: 'https://b-1.s3.amazonaws.com/a.bin', bucket: 'b-1', key: 'a.bin' },
    { url: 'https://s3.amazonaws.com/b-2/x y.bin', bucket: 'b-2', key: 'x y.bin' },
    { url: 'https://localhost:9000/b-3/z.bin', bucket: 'b-3', key: 'z.bin' },
  ]);
});

test('findPresignedPlaceholders: none, and non-object documents', () => {
  assert.deepEqual(findPresignedPlaceholders({ a: 'no placeholders here', b: '${aws:iot:parameter:downloadUrl}' }), []);
  assert.deepEqual(findPresignedPlaceholders({}), []);
  assert.deepEqual(findPresignedPlaceholders(null), []);
  assert.deepEqual(findPresignedPlaceholders(ph('https://s3.amazonaws.com/my-bucket/k')), [{ url: 'https://s3.amazonaws.com/my-bucket/k', bucket: 'my-bucket', key: 'k' }]);
});

test('findPresignedPlaceholders: a malformed placeholder is invalid input naming it', () => {
  const cases: Array<[unknown, RegExp]> = [
    [{ url: '${aws:iot:s3-presigned-url:https://s3.amazonaws.com/my-bucket/k' }, /no closing brace/],
    [{ url: '${aws:iot:s3-presigned-url:}' }, /names no URL/],
    [{ url: ph('https://example.com/my-bucket/k') }, /example\.com/],
    [{ url: ph('s3://my-bucket/k') }, /s3:\/\/my-bucket\/k/],
    [{ deep: [{ x: ['ok', `prefix ${ph('https://s3.amazonaws.com/my-bucket')} suffix`] }] }, /no object key/],
    [{ url: ph('https://s3.amazonaws.com/my-bucket/%zz') }, /percent-encoding/],
    [{ url: ph(' https://s3.amazonaws.com/my-bucket/k') }, /https:\/\//],
  ];
  for (const [doc, why] of cases) {
    throwsInvalid(() => findPresignedPlaceholders(doc), 'invalid-placeholder', why);
    throwsInvalid(() => findPresignedPlaceholders(doc), 'invalid-placeholder', /\$\{aws:iot:s3-presigned-url:/);
  }
  // A later valid placeholder does not hide an earlier broken one in the same string.
  throwsInvalid(() => findPresignedPlaceholders({ u: `${ph('https://nope.example/b/k')}${ph('https://s3.amazonaws.com/my-bucket/k')}` }), 'invalid-placeholder', /nope\.example/);
});

// ---------------------------------------------------------------------------
// renderDocument

const signer = () => {
  const calls: S3Location[] = [];
  const sign = (loc: S3Location): string => {
    calls.push(loc);
    return `https://localhost:9000/${loc.bucket}/${encodeURIComponent(loc.key)}?X-Amz-Signature=${calls.length}`;
  };
  return { calls, sign };
};

test('renderDocument: a whole-string placeholder becomes the signed URL', () => {
  const { calls, sign } = signer();
  const out = renderDocument(STORY_DOC, sign);
  assert.deepEqual(out, {
    operation: 'download',
    version: '1.0.0',
    url: 'https://localhost:9000/my-bucket/firmware%2Fmiso-1.0.0.bin?X-Amz-Signature=1',
  });
  assert.deepEqual(calls, [{ bucket: 'my-bucket', key: 'firmware/miso-1.0.0.bin' }]);
});

test('renderDocument: placeholders inside strings, several per string, nested; each occurrence signed afresh', () => {
  const { calls, sign } = signer();
  const doc = deepFreeze({
    cmd: `wget -O /tmp/a '${ph('https://s3.amazonaws.com/my-bucket/a.bin')}' && wget '${ph('https://b-2.s3.us-west-2.amazonaws.com/my%20b.bin')}'`,
    list: [{ u: [ph('https://s3.amazonaws.com/my-bucket/a.bin')] }, 7, false, null, 'plain $& text'],
  });
  const out = renderDocument(doc, sign) as { cmd: string; list: unknown[] };
  assert.equal(
    out.cmd,
    "wget -O /tmp/a 'https://localhost:9000/my-bucket/a.bin?X-Amz-Signature=1' && wget 'https://localhost:9000/b-2/my%20b.bin?X-Amz-Signature=2'",
  );
  assert.deepEqual(out.list, [{ u: ['https://localhost:9000/my-bucket/a.bin?X-Amz-Signature=3'] }, 7, false, null, 'plain $& text']);
  assert.equal(calls.length, 3);
  assert.deepEqual(calls[1], { bucket: 'b-2', key: 'my b.bin' });
});

test('renderDocument: never mutates its input and returns a deep copy', () => {
  const doc = JSON.parse(JSON.stringify({ a: { b: [ph('https://s3.amazonaws.com/my-bucket/k'), { c: 'x' }] }, d: 'y' })) as Record<string, unknown>;
  const before = structuredClone(doc);
  deepFreeze(doc);
  const out = renderDocument(doc, () => 'https://signed.example/k') as Record<string, unknown>;
  assert.deepEqual(doc, before);
  assert.notEqual(out, doc);
  assert.notEqual(out.a, doc.a);
  assert.deepEqual(out, { a: { b: ['https://signed.example/k', { c: 'x' }] }, d: 'y' });
  // Nothing to replace: still a copy, equal to the input.
  const plain = deepFreeze({ x: [1, { y: 'z' }] });
  const copy = renderDocument(plain, () => assert.fail('no placeholder to sign')) as typeof plain;
  assert.deepEqual(copy, plain);
  assert.notEqual(copy.x, plain.x);
});

test('renderDocument: signed URLs are inserted literally ($ patterns are not special)', () => {
  const out = renderDocument({ u: `a ${ph('https://s3.amazonaws.com/my-bucket/k')} b` }, () => "https://x.example/?p=$&q=$1$'");
  assert.deepEqual(out, { u: "a https://x.example/?p=$&q=$1$' b" });
});

test('renderDocument: a "__proto__" key stays an ordinary key', () => {
  const doc = JSON.parse(`{"__proto__": {"u": "${ph('https://s3.amazonaws.com/my-bucket/k').replace(/"/g, '\\"')}"}, "ok": 1}`) as unknown;
  const out = renderDocument(doc, () => 'https://signed.example/') as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  assert.deepEqual(Object.keys(out), ['__proto__', 'ok']);
  assert.equal(JSON.stringify(out), '{"__proto__":{"u":"https://signed.example/"},"ok":1}');
});

test('renderDocument: Ferry origins and malformed placeholders', () => {
  const out = renderDocument({ u: ph('https://ferry.example.com/my-bucket/a%2Fb') }, (l) => `${l.bucket}|${l.key}`, OWN);
  assert.deepEqual(out, { u: 'my-bucket|a/b' });
  throwsInvalid(() => renderDocument({ u: ph('https://ferry.example.com/my-bucket/k') }, () => 'x'), 'invalid-placeholder', /ferry\.example\.com/);
  throwsInvalid(() => renderDocument({ u: ['ok', '${aws:iot:s3-presigned-url:https://s3.amazonaws.com/b-1/k'] }, () => 'x'), 'invalid-placeholder');
});

// ---------------------------------------------------------------------------
// parseJobDocument (§3.3: ≤ 32768)

test('parseJobDocument: a JSON object', () => {
  assert.deepEqual(parseJobDocument(JSON.stringify(STORY_DOC)), STORY_DOC);
  assert.deepEqual(parseJobDocument('\uFEFF{"a":1}'), { a: 1 }, 'a byte-order mark is tolerated');
  assert.deepEqual(parseJobDocument('  {"a": [1, {"b": null}]}\n'), { a: [1, { b: null }] });
});

test('parseJobDocument: at most 32768 bytes', () => {
  const fill = (n: number) => `{"a":"${'x'.repeat(n - 8)}"}`;
  assert.equal(Buffer.byteLength(fill(MAX_JOB_DOCUMENT_BYTES)), MAX_JOB_DOCUMENT_BYTES);
  assert.doesNotThrow(() => parseJobDocument(fill(MAX_JOB_DOCUMENT_BYTES)));
  throwsInvalid(() => parseJobDocument(fill(MAX_JOB_DOCUMENT_BYTES + 1)), 'document-too-large', /too large.*32769 bytes.*32768/);
  // Counted in UTF-8 bytes: 20000 two-byte characters are 40000 bytes.
  throwsInvalid(() => parseJobDocument(`{"a":"${'é'.repeat(20000)}"}`), 'document-too-large', /too large/);
});

test('parseJobDocument: not JSON, or not an object', () => {
  for (const text of ['', '{', "{'a':1}", '{"a":1,}', 'undefined']) {
    throwsInvalid(() => parseJobDocument(text), 'invalid-document', /not valid JSON/);
  }
  for (const text of ['[]', '[{"a":1}]', '"text"', '42', 'null', 'true']) {
    throwsInvalid(() => parseJobDocument(text), 'invalid-document', /must be a JSON object/);
  }
});

test('parseJobDocument: nesting is bounded so every later walk is safe', () => {
  const nested = (depth: number) => '{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1);
  assert.doesNotThrow(() => parseJobDocument(nested(1000)));
  throwsInvalid(() => parseJobDocument(nested(1001)), 'invalid-document', /nested/);
  const arrays = `{"a":${'['.repeat(5000)}${']'.repeat(5000)}}`;
  throwsInvalid(() => parseJobDocument(arrays), 'invalid-document', /nested/);
});
