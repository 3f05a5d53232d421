import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { AdjustableClock } from '../../src/clock.js';
import type { Principal } from '../../src/iam/principal.js';
import { ABANDONED_UPLOAD_AGE_MS, ObjectStore, createObjectStore, type AccessPolicySource, type IncomingBody } from '../../src/objects/index.js';
import { bindVariables, compilePolicies, parsePolicyDocument } from '../../src/policy/index.js';
import { isFerryError } from '../../src/errors.js';
import { engines, openTestStore } from '../helpers/stores.js';
import { testLogger, tempDir } from '../helpers/server.js';
import { filesUnder } from '../api/s3/helpers.js';

const ROOT: Principal = { kind: 'root', arn: 'arn:aws:iam::123456789012:root', accountId: '123456789012', accessKeyId: 'AKIAROOT' };
const ROLE: Principal = {
  kind: 'role-session',
  arn: 'arn:aws:sts::123456789012:assumed-role/reader/s',
  accountId: '123456789012',
  accessKeyId: 'ASIAROLE',
  roleArn: 'arn:aws:iam::123456789012:role/reader',
  variables: {},
};

const body = (data: string | Buffer, extra: Partial<IncomingBody> = {}): IncomingBody => {
  const bytes = Buffer.from(data);
  return { stream: Readable.from([bytes]), length: bytes.length, ...extra };
};

const readAll = async (stream: Readable | undefined): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const c of stream ?? []) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
};

const kindOf = (e: unknown) => (isFerryError(e) ? `${e.kind}:${e.details.reason ?? e.details.resource ?? ''}` : String(e));

async function setup(t: { after(fn: () => Promise<void>): void }, engine: 'sqlite' | 'postgres', policies?: AccessPolicySource) {
  const { store, dispose } = await openTestStore(engine);
  const root = tempDir('ferry-objects-');
  const clock = new AdjustableClock();
  const make = () => createObjectStore({ store, clock, logger: testLogger(), region: 'us-east-1', root, ...(policies ? { policies } : {}) });
  const objects = await make();
  let current: ObjectStore = objects;
  t.after(async () => {
    await current.stop();
    await dispose();
    rmSync(root, { recursive: true, force: true });
  });
  /** A new instance on the same database and folder, as after a crash. */
  const restart = async () => {
    await current.stop();
    current = await make();
    return current;
  };
  return { objects, store, root, clock, restart, blobs: () => filesUnder(join(root, 'blobs')), staged: () => filesUnder(join(root, 'staging')) };
}

for (const { engine, skip } of engines()) {
  test(`[${engine}] keys list in UTF-8 byte order with prefixes, delimiters and pages of one`, { skip }, async (t) => {
    const { objects } = await setup(t, engine);
    await objects.createBucket(ROOT, 'order');
    // UTF-16 would put U+1F600 (a surrogate pair) before U+FFFD; UTF-8 bytes put it after.
    const keys = ['a', 'a/b', 'a/c/d', 'a/c/e', 'b', 'Z', '\uFFFD', '\u{1F600}', 'a0'];
    for (const key of keys) await objects.putObject(ROOT, { bucket: 'order', key, body: body(key), attributes: { metadata: {} } });
    const sorted = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    const all = await objects.listObjects(ROOT, { bucket: 'order' });
    assert.deepEqual(all.objects.map((o) => o.key), sorted);

    const seen: string[] = [];
    let after: string | undefined;
    for (let i = 0; i < 20; i++) {
      const page = await objects.listObjects(ROOT, { bucket: 'order', delimiter: '/', maxKeys: 1, ...(after !== undefined ? { after } : {}) });
      seen.push(...page.objects.map((o) => o.key), ...page.commonPrefixes);
      if (!page.isTruncated) break;
      after = page.last;
    }
    assert.deepEqual(seen, ['Z', 'a', 'a/', 'a0', 'b', '\uFFFD', '\u{1F600}']);
    const under = await objects.listObjects(ROOT, { bucket: 'order', prefix: 'a/', delimiter: '/' });
    assert.deepEqual([under.objects.map((o) => o.key), under.commonPrefixes], [['a/b'], ['a/c/']]);
  });

  test(`[${engine}] concurrent overwrites of one key leave one version and one blob`, { skip }, async (t) => {
    const { objects, blobs } = await setup(t, engine);
    await objects.createBucket(ROOT, 'race');
    const writes = Array.from({ length: 8 }, (_, i) => objects.putObject(ROOT, { bucket: 'race', key: 'k', body: body(`version ${i}`), attributes: { metadata: {} } }));
    await Promise.all(writes);
    await objects.deps.trash.idle();
    const got = await objects.getObject(ROOT, { bucket: 'race', key: 'k' });
    assert.equal(got.status, 'ok');
    assert.match((await readAll(got.status === 'ok' ? got.body : undefined)).toString(), /^version \d$/);
    assert.equal(blobs().length, 1);
  });

  test(`[${engine}] after a crash: a staged blob whose row committed is finished, an orphan is removed, the trash is emptied`, { skip }, async (t) => {
    const { objects, store, restart, blobs, staged } = await setup(t, engine);
    await objects.createBucket(ROOT, 'crash');
    // A body cut short by a crash: staged, no row.
    const orphan = await objects.deps.blobs.put(Readable.from([Buffer.from('half an upload')]));
    // A crash between the row's commit and the blob's: staged, with a row.
    const committed = await objects.deps.blobs.put(Readable.from([Buffer.from('committed bytes')]));
    await store.db
      .insertInto('s3_objects')
      .values({ bucket: 'crash', key: 'k', version_id: 'v1', blob_id: committed.id, size: committed.size, etag: createHash('md5').update('committed bytes').digest('hex'), attributes: '{"metadata":{}}', checksum_algorithm: null, checksum_value: null, checksum_type: null, parts_count: null, last_modified: 0 })
      .execute();
    // A crash after a row let go of a blob, before the file went.
    const trashed = await objects.deps.blobs.put(Readable.from([Buffer.from('old version')]));
    await objects.deps.blobs.commit(trashed.id);
    await store.db.insertInto('s3_blob_trash').values({ blob_id: trashed.id, bucket: 'crash', key: 'old', created_at: 0 }).execute();
    assert.equal(staged().length, 2);

    const again = await restart();
    assert.deepEqual(staged(), []);
    assert.deepEqual(blobs().map((f) => f.split('/').pop()), [committed.id]);
    const got = await again.getObject(ROOT, { bucket: 'crash', key: 'k' });
    assert.equal((await readAll(got.status === 'ok' ? got.body : undefined)).toString(), 'committed bytes');
    assert.equal(await again.deps.blobs.stat(orphan.id), null);
    assert.equal((await store.db.selectFrom('s3_blob_trash').selectAll().execute()).length, 0);
  });

  test(`[${engine}] a digest mismatch or an over-long body leaves nothing; uploads abandoned past the age are aborted`, { skip }, async (t) => {
    const { objects, blobs, staged, clock } = await setup(t, engine);
    await objects.createBucket(ROOT, 'clean');
    await assert.rejects(objects.putObject(ROOT, { bucket: 'clean', key: 'k', body: body('abc', { md5Base64: createHash('md5').update('abd').digest('base64') }), attributes: { metadata: {} } }), (e) => kindOf(e) === 'InvalidInput:bad-digest');
    await assert.rejects(objects.putObject(ROOT, { bucket: 'clean', key: 'k', body: body('abc', { length: 4 }), attributes: { metadata: {} } }), (e) => kindOf(e) === 'InvalidInput:incomplete-body');
    await assert.rejects(objects.putObject(ROOT, { bucket: 'clean', key: 'k', body: body('abc', { checksum: { algorithm: 'CRC32C', expected: () => 'AAAAAA==' } }), attributes: { metadata: {} } }), (e) => kindOf(e) === 'InvalidInput:bad-digest');
    assert.deepEqual([blobs(), staged()], [[], []]);

    const { uploadId } = await objects.createUpload(ROOT, { bucket: 'clean', key: 'big', attributes: { metadata: {} } });
    await objects.uploadPart(ROOT, { bucket: 'clean', key: 'big', uploadId, partNumber: 1, body: body('part') });
    assert.equal(await objects.sweepAbandonedUploads(), 0);
    clock.advance(ABANDONED_UPLOAD_AGE_MS + 1);
    assert.equal(await objects.sweepAbandonedUploads(), 1);
    await assert.rejects(objects.listParts(ROOT, { bucket: 'clean', key: 'big', uploadId }), (e) => kindOf(e) === 'NotFound:upload');
    assert.deepEqual(blobs(), []);
  });

  test(`[${engine}] the decision point: root may, a role session as its policies say, a certificate never`, { skip }, async (t) => {
    const doc = parsePolicyDocument(JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::fleet/firmware/*' }] }), 'iam');
    const bound = bindVariables(compilePolicies([doc]), {});
    const asked: string[] = [];
    const source: AccessPolicySource = {
      policiesFor: async (p) => {
        asked.push(p.kind === 'role-session' ? p.roleArn : p.kind);
        return p.kind === 'role-session' ? bound : null;
      },
    };
    const { objects } = await setup(t, engine, source);
    await objects.createBucket(ROOT, 'fleet');
    await objects.putObject(ROOT, { bucket: 'fleet', key: 'firmware/v1.bin', body: body('v1'), attributes: { metadata: {} } });
    await objects.putObject(ROOT, { bucket: 'fleet', key: 'private/key', body: body('secret'), attributes: { metadata: {} } });

    const got = await objects.getObject(ROLE, { bucket: 'fleet', key: 'firmware/v1.bin' });
    assert.equal((await readAll(got.status === 'ok' ? got.body : undefined)).toString(), 'v1');
    assert.deepEqual(asked, [ROLE.kind === 'role-session' ? ROLE.roleArn : '']);
    const deniedAs = (e: unknown) => kindOf(e) === 'Denied:';
    await assert.rejects(objects.getObject(ROLE, { bucket: 'fleet', key: 'private/key' }), deniedAs);
    await assert.rejects(objects.putObject(ROLE, { bucket: 'fleet', key: 'firmware/evil', body: body('x'), attributes: { metadata: {} } }), deniedAs);
    await assert.rejects(objects.listObjects(ROLE, { bucket: 'fleet' }), deniedAs);
    await assert.rejects(objects.deleteObject(ROLE, 'fleet', 'firmware/v1.bin'), deniedAs);
    await assert.rejects(objects.createBucket(ROLE, 'mine'), deniedAs);
    await assert.rejects(objects.listBuckets(ROLE), deniedAs);
    // A missing key is AccessDenied, not NoSuchKey, to a caller who may not list the bucket (as S3 answers).
    await assert.rejects(objects.getObject(ROLE, { bucket: 'fleet', key: 'firmware/none' }), deniedAs);
    await assert.rejects(objects.getObject(ROOT, { bucket: 'fleet', key: 'firmware/none' }), (e) => kindOf(e) === 'NotFound:key');
    const cert: Principal = { kind: 'certificate', certificateId: 'ab', certificatePem: '', chainVerified: true };
    await assert.rejects(objects.getObject(cert, { bucket: 'fleet', key: 'firmware/v1.bin' }), deniedAs);
    const outcomes = await objects.deleteObjects(ROLE, 'fleet', ['firmware/v1.bin']);
    assert.deepEqual(outcomes, [{ key: 'firmware/v1.bin', error: { code: 'AccessDenied', message: 'Access Denied' } }]);
  });
}
