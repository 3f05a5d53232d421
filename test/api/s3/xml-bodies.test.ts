import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { HttpRequest } from '@smithy/protocol-http';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { rejectsWith } from './helpers.js';

/**
 * An S3 client whose serialized XML body gets `edit`ed before it is checksummed and signed, so the
 * official SDK sends exactly the hostile text a test wants (the SDK itself escapes what it is given).
 */
function editingClient(s: TestServer, edit: (body: string) => string | Uint8Array): S3Client {
  const client = s.s3();
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as HttpRequest;
      if (typeof request.body === 'string') request.body = edit(request.body);
      return next(args);
    },
    { step: 'serialize', priority: 'low', name: 'editXmlBody' },
  );
  return client;
}

// Issue 24: `&#x110000;` made decodeXmlText throw a RangeError, answered as a 500. A strict XML parser (S3's) refuses
// every one of these as not well-formed.
const INVALID: Record<string, string | Uint8Array> = {
  'beyond U+10FFFF': '&#x110000;',
  'twenty decimal digits': '&#99999999999999999999;',
  'a high surrogate': '&#xD800;',
  'a low surrogate': '&#57343;',
  'NUL': '&#0;',
  'a C0 control': '&#x1;',
  'U+FFFE': '&#xFFFE;',
  'U+FFFF': '&#65535;',
  'no digits': '&#x;',
  'a minus sign': '&#-65;',
  'an undefined entity': '&nbsp;',
  'a name Object.prototype has': '&constructor;',
  'a bare ampersand': 'a & b',
  'a raw C0 control': 'a\u0001b',
  'bytes that are not UTF-8': Uint8Array.of(0xff, 0xfe),
};

function spliced(body: string, marker: string, hostile: string | Uint8Array): string | Uint8Array {
  if (typeof hostile === 'string') return body.replace(marker, hostile);
  const [before, after] = body.split(marker) as [string, string];
  return Buffer.concat([Buffer.from(before), hostile, Buffer.from(after)]);
}

async function withObjects(t: { after(fn: () => Promise<void>): void }): Promise<TestServer> {
  const s = await startTestServer();
  t.after(() => s.close());
  await s.s3().send(new CreateBucketCommand({ Bucket: 'xml' }));
  for (const key of ['keep', 'a&b', 'smile-😀', 'line\nbreak']) await s.s3().send(new PutObjectCommand({ Bucket: 'xml', Key: key, Body: key }));
  return s;
}

const keysIn = async (s: TestServer): Promise<string[]> => ((await s.s3().send(new ListObjectsV2Command({ Bucket: 'xml' }))).Contents ?? []).map((c) => c.Key!).sort();

test('DeleteObjects: every invalid character or reference is 400 MalformedXML and deletes nothing; valid references delete', async (t) => {
  const s = await withObjects(t);
  const before = await keysIn(s);
  for (const [what, hostile] of Object.entries(INVALID)) {
    // The hostile key sits beside a valid one; in an element Ferry does not read, too.
    for (const where of ['key', 'unread element']) {
      const client = editingClient(s, (body) =>
        where === 'key' ? spliced(body, 'HOSTILE', hostile) : spliced(body.replace('<Quiet>', '<Extra>HOSTILE</Extra><Quiet>'), 'HOSTILE', hostile),
      );
      const command = new DeleteObjectsCommand({ Bucket: 'xml', Delete: { Objects: [{ Key: 'keep' }, { Key: 'HOSTILE' }], Quiet: false } });
      await rejectsWith(client.send(command), 'MalformedXML', 400, /not well-formed/).catch((e: Error) => assert.fail(`${what} in ${where}: ${e.message}`));
    }
  }
  assert.deepEqual(await keysIn(s), before);

  // Beside them, references that are valid decode to the keys they name.
  const decoding = editingClient(s, (body) => body.replace('A-AND-B', 'a&#x26;b').replace('SMILE', 'smile-&#x1F600;').replace('NEWLINE', 'line&#xA;break'));
  const out = await decoding.send(new DeleteObjectsCommand({ Bucket: 'xml', Delete: { Objects: [{ Key: 'A-AND-B' }, { Key: 'SMILE' }, { Key: 'NEWLINE' }] } }));
  assert.deepEqual(out.Deleted!.map((d) => d.Key).sort(), ['a&b', 'line\nbreak', 'smile-😀']);
  assert.deepEqual(await keysIn(s), ['keep']);
});

test('CompleteMultipartUpload: an invalid reference in an ETag or part number is 400 MalformedXML and completes nothing; the valid body completes', async (t) => {
  const s = await withObjects(t);
  const s3 = s.s3();
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'xml', Key: 'assembled' }));
  const part = await s3.send(new UploadPartCommand({ Bucket: 'xml', Key: 'assembled', UploadId, PartNumber: 1, Body: 'the only part' }));
  const complete = (client: S3Client) =>
    client.send(new CompleteMultipartUploadCommand({ Bucket: 'xml', Key: 'assembled', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag! }] } }));
  for (const hostile of ['&#x110000;', '&#99999999999999999999;', '&#xDBFF;']) {
    await rejectsWith(complete(editingClient(s, (body) => body.replace('</ETag>', `${hostile}</ETag>`))), 'MalformedXML', 400);
    await rejectsWith(complete(editingClient(s, (body) => body.replace('<PartNumber>1', `<PartNumber>${hostile}1`))), 'MalformedXML', 400);
  }
  await rejectsWith(s3.send(new GetObjectCommand({ Bucket: 'xml', Key: 'assembled' })), 'NoSuchKey', 404);
  const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'xml' }));
  assert.deepEqual(uploads.Uploads?.map((u) => u.UploadId), [UploadId]);
  // The ETag's quotes as a character reference: valid, and the upload completes.
  await complete(editingClient(s, (body) => body.replace(/<ETag>"/, '<ETag>&#34;')));
  assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: 'xml', Key: 'assembled' }))).Body!.transformToString(), 'the only part');
});

test('CreateBucket: an invalid reference in the configuration is 400 MalformedXML and creates nothing; the valid body creates', async (t) => {
  const s = await startTestServer({ region: 'eu-west-1' });
  t.after(() => s.close());
  const create = (client: S3Client) => client.send(new CreateBucketCommand({ Bucket: 'configured', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
  await rejectsWith(create(editingClient(s, (body) => body.replace('eu-west-1', 'eu-west-&#x110000;'))), 'MalformedXML', 400);
  await rejectsWith(s.s3().send(new HeadBucketCommand({ Bucket: 'configured' })), 'NotFound', 404);
  await create(editingClient(s, (body) => body.replace('eu-west-1', 'eu-west-&#49;')));
  await s.s3().send(new HeadBucketCommand({ Bucket: 'configured' }));
});
