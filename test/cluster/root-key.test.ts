/**
 * `ferry admin rotate-root-key` in a cluster (issue 20): two nodes on
 * PostgreSQL and Redis; the rotation goes through one node, the old key is
 * refused on the other at once (keys are read at each request), and both
 * nodes' aws/credentials hold the new key (the other node's through the bus).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { IoTClient, ListThingsCommand } from '@aws-sdk/client-iot';
import { GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import { rejectsWith, eventually } from '../helpers/assert.js';
import type { TestServer } from '../helpers/server.js';
import { cli } from '../cli/helpers.js';
import { clusterSkipReason, startTestCluster } from './helpers.js';

const skip = clusterSkipReason();

const iotOf = (node: TestServer, key: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) =>
  new IoTClient({ region: node.endpoints.region, endpoint: node.endpoints.endpoints.iot, credentials: { ...key }, requestHandler: new NodeHttpHandler({ httpsAgent: node.agent }), maxAttempts: 1 });

const keyIn = (node: TestServer) => {
  const text = readFileSync(join(node.dataDir, 'aws', 'credentials'), 'utf8');
  return { accessKeyId: /aws_access_key_id = (\S+)/.exec(text)![1]!, secretAccessKey: /aws_secret_access_key = (\S+)/.exec(text)![1]! };
};

test('rotate-root-key through one node: the old key is refused on the other at once; both data dirs get the new key', { skip }, async (t) => {
  const cluster = await startTestCluster(2);
  t.after(() => cluster.close());
  const [a, b] = cluster.nodes as [TestServer, TestServer];
  const old = a.credentials;
  assert.deepEqual(keyIn(b), keyIn(a), 'one root key for the cluster');
  await iotOf(a, old).send(new ListThingsCommand({}));
  await iotOf(b, old).send(new ListThingsCommand({}));
  const sts = new STSClient({ region: a.endpoints.region, endpoint: a.endpoints.endpoints.iam, credentials: { ...old }, requestHandler: new NodeHttpHandler({ httpsAgent: a.agent }), maxAttempts: 1 });
  const c = (await sts.send(new GetSessionTokenCommand({ DurationSeconds: 900 }))).Credentials!;
  const rootSession = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
  await iotOf(b, rootSession).send(new ListThingsCommand({}));

  const r = await cli(['admin', 'rotate-root-key', '--data-dir', a.dataDir]);
  assert.equal(r.code, 0, r.stderr);
  const fresh = keyIn(a);
  assert.notEqual(fresh.accessKeyId, old.accessKeyId);
  assert.match(r.stdout, new RegExp(fresh.accessKeyId));

  // The other node refuses the old key on the very next request, and takes the new one.
  await rejectsWith(iotOf(b, old).send(new ListThingsCommand({})), 'UnrecognizedClientException', 403);
  await rejectsWith(iotOf(a, old).send(new ListThingsCommand({})), 'UnrecognizedClientException', 403);
  await iotOf(b, fresh).send(new ListThingsCommand({}));
  // The root's temporary credentials end with its key.
  await rejectsWith(iotOf(b, rootSession).send(new ListThingsCommand({})), 'UnrecognizedClientException', 403);
  // The bus tells b to rewrite its aws/credentials.
  await eventually(() => keyIn(b).accessKeyId === fresh.accessKeyId, "node b's aws/credentials rewritten");
  assert.deepEqual(keyIn(b), fresh);
});
