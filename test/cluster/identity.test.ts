import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { ListThingsCommand } from '@aws-sdk/client-iot';
import { startTestServer, tempDir, testLogger } from '../helpers/server.js';
import { pgSkipReason, pgTestSchema } from '../helpers/postgres.js';
import { startServer } from '../../src/server/server.js';

const skip = pgSkipReason();

test('nodes on one database are one Ferry: account, root key, CA and server certificate; a node without the KEK file refuses, naming it', { skip }, async (t) => {
  const schema = await pgTestSchema();
  const dir = tempDir();
  const kekFile = join(dir, 'cluster.kek');
  const a = await startTestServer({ pg: schema, kekFile });
  const b = await startTestServer({ pg: schema, kekFile });
  t.after(async () => {
    await a.close();
    await b.close();
    await schema.drop();
    rmSync(dir, { recursive: true, force: true });
  });
  assert.equal(statSync(kekFile).mode & 0o777, 0o600, 'the KEK file is the owner\'s only');
  assert.equal(b.endpoints.accountId, a.endpoints.accountId);
  assert.deepEqual(b.credentials, a.credentials);
  assert.equal(b.ca, a.ca);
  assert.equal(b.server.ctx.pki.serverCertPem, a.server.ctx.pki.serverCertPem);
  // The CA key is not in the database in the clear, and not on disk.
  const client = new pg.Client({ connectionString: schema.url });
  await client.connect();
  const { rows } = await client.query(`select name, value from ${schema.schema}.ferry_settings where name like 'pki.%'`);
  await client.end();
  const settings = Object.fromEntries(rows.map((r: { name: string; value: string }) => [r.name, r.value]));
  assert.match(settings['pki.kek-fingerprint']!, /^sha256:[0-9a-f]{64}$/);
  assert.doesNotMatch(settings['pki.ca-key']!, /PRIVATE KEY/);
  assert.throws(() => statSync(join(b.dataDir, 'pki', 'ca.key')), /ENOENT/);
  // Requests through either node, with the one root key.
  await a.iot().send(new ListThingsCommand({}));
  await b.iot().send(new ListThingsCommand({}));

  // A fourth node without the file: refused, naming the file; with another key: refused, naming both keys.
  const missing = join(dir, 'missing.kek');
  await assert.rejects(startTestServer({ pg: schema, kekFile: missing }), (e: Error) => e.message.includes(missing) && e.message.includes(settings['pki.kek-fingerprint']!));
  const other = join(dir, 'other.kek');
  writeFileSync(other, `${Buffer.alloc(32, 7).toString('base64')}\n`, { mode: 0o600 });
  await assert.rejects(startTestServer({ pg: schema, kekFile: other }), (e: Error) => e.message.includes(other) && /holds the key sha256:/.test(e.message));
});

test('three nodes started at once on a fresh database migrate it once and agree on one identity', { skip }, async (t) => {
  const schema = await pgTestSchema();
  const dir = tempDir();
  const kekFile = join(dir, 'cluster.kek');
  // None of them has the KEK file yet: the one that initialises the database makes it.
  const nodes = await Promise.all([0, 1, 2].map(() => startTestServer({ pg: schema, kekFile })));
  t.after(async () => {
    await Promise.all(nodes.map((n) => n.close()));
    await schema.drop();
    rmSync(dir, { recursive: true, force: true });
  });
  const applied = nodes.map((n) => n.server.ctx.store.applied.length);
  assert.equal(applied.filter((n) => n > 0).length, 1, `one node migrated (applied: ${applied.join(', ')})`);
  assert.equal(new Set(nodes.map((n) => n.endpoints.accountId)).size, 1);
  assert.equal(new Set(nodes.map((n) => n.ca)).size, 1);
  assert.equal(new Set(nodes.map((n) => n.credentials.accessKeyId)).size, 1);
  const client = new pg.Client({ connectionString: schema.url });
  await client.connect();
  const { rows } = await client.query(`select name, count(*)::int as n from ${schema.schema}.ferry_migrations group by name`);
  await client.end();
  assert.ok(rows.length >= 6);
  assert.ok(rows.every((r: { n: number }) => r.n === 1));
});

test('a node whose code is older than the schema refuses to start and says so', { skip }, async (t) => {
  const schema = await pgTestSchema();
  const dir = tempDir();
  const kekFile = join(dir, 'cluster.kek');
  const first = await startTestServer({ pg: schema, kekFile });
  await first.close();
  const client = new pg.Client({ connectionString: schema.url });
  await client.connect();
  await client.query(`insert into ${schema.schema}.ferry_migrations (name, timestamp) values ('999-from-the-future', now()::text)`);
  await client.end();
  t.after(async () => {
    await schema.drop();
    rmSync(dir, { recursive: true, force: true });
  });
  await assert.rejects(startTestServer({ pg: schema, kekFile }), /database schema is newer than this Ferry: it has migration 999-from-the-future/);
});

test('--redis-url without --database-url, and a second server on a data dir in use, are refused with what a cluster needs', async (t) => {
  const dataDir = tempDir();
  await assert.rejects(
    startServer({ dataDir, host: '127.0.0.1', apiPort: 0, devicePort: 0, s3Port: 0, mqttPort: 0, redisUrl: 'redis://127.0.0.1:6379' }, { logger: testLogger() }),
    /--redis-url needs --database-url postgres:\/\/….*SQLite serves a single node/,
  );
  const first = await startTestServer({ dataDir, keepDataDir: true });
  t.after(async () => {
    await first.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  await assert.rejects(startTestServer({ dataDir, keepDataDir: true }), /another Ferry server \(pid \d+\) is using the data dir .*--database-url.*--redis-url/);
  // The first is unharmed.
  await first.iot().send(new ListThingsCommand({}));
});
