import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { IoTClient, ListThingsCommand } from '@aws-sdk/client-iot';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startTestServer, tempDir } from '../helpers/server.js';
import { pgSkipReason, pgTestSchema } from '../helpers/postgres.js';

test('a restart keeps CA, server certificate, account id and admin key; a client that trusted the CA keeps working', async (t) => {
  const dataDir = tempDir();
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const first = await startTestServer({ dataDir, keepDataDir: true });
  const before = { ca: first.ca, server: readFileSync(`${dataDir}/pki/server.pem`, 'utf8'), accountId: first.endpoints.accountId, key: first.credentials };
  await first.iot().send(new ListThingsCommand({}));
  await first.stop();

  const second = await startTestServer({ dataDir, keepDataDir: true });
  t.after(() => second.stop());
  assert.equal(second.ca, before.ca);
  assert.equal(readFileSync(`${dataDir}/pki/server.pem`, 'utf8'), before.server);
  assert.equal(second.endpoints.accountId, before.accountId);
  assert.deepEqual(second.credentials, before.key);
  const iot = new IoTClient({
    region: 'us-east-1',
    endpoint: second.endpoints.endpoints.iot,
    credentials: before.key,
    requestHandler: new NodeHttpHandler({ httpsAgent: new https.Agent({ ca: before.ca }) }),
  });
  assert.ok(Array.isArray((await iot.send(new ListThingsCommand({}))).things));
});

test('on PostgreSQL the account id and admin key live in the database and survive a restart', { skip: pgSkipReason() }, async (t) => {
  const pg = await pgTestSchema();
  const kekDir = tempDir();
  t.after(() => rmSync(kekDir, { recursive: true, force: true }));
  const kekFile = `${kekDir}/kek`;
  const first = await startTestServer({ pg, kekFile });
  await first.close();
  // Another data dir (another node) on the same database, with the same key-encryption key: same identity.
  const second = await startTestServer({ pg, kekFile });
  // The schema goes only once the server that uses it has stopped.
  t.after(async () => {
    await second.close();
    await pg.drop();
  });
  assert.equal(second.endpoints.accountId, first.endpoints.accountId);
  assert.deepEqual(second.credentials, first.credentials);
  assert.equal(second.ca, first.ca);
  await second.iot().send(new ListThingsCommand({}));
});

test('a new --public-host reissues the server certificate from the same CA', async (t) => {
  const dataDir = tempDir();
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const first = await startTestServer({ dataDir, keepDataDir: true });
  const server1 = readFileSync(`${dataDir}/pki/server.pem`, 'utf8');
  await first.stop();
  const second = await startTestServer({ dataDir, keepDataDir: true, publicHosts: ['new.example.test'] });
  t.after(() => second.stop());
  assert.equal(second.ca, first.ca);
  assert.notEqual(readFileSync(`${dataDir}/pki/server.pem`, 'utf8'), server1);
});
