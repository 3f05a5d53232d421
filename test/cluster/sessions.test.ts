import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterSkipReason, startTestCluster } from './helpers.js';
import { connect, connectWithInbox, createPolicy, end, flush, openPolicy, provisionThing, subscribe } from '../mqtt/helpers.js';
import { eventually } from '../helpers/assert.js';

const skip = clusterSkipReason();

test('a persistent session in Redis expires an hour after its client left, its queue with it, whichever node it returns to', { skip }, async (t) => {
  const cluster = await startTestCluster(2);
  t.after(() => cluster.close());
  const [a, b] = cluster.nodes as [typeof cluster.nodes[0], typeof cluster.nodes[0]];
  const iot = a.iot();
  await createPolicy(iot, 'open', openPolicy(a, { topics: '*' }));
  const device = await provisionThing(iot, 'device', 'open');
  const pub = await connect(b, device, 'publisher');

  for (const clientId of ['stale', 'kept']) {
    const first = await connect(a, device, clientId, { clean: false });
    await subscribe(first, [`away/${clientId}`]);
    await end(first);
    await eventually(async () => (await a.server.ctx.store.db.selectFrom('mqtt_sessions').select('disconnected_at').where('client_id', '=', clientId).executeTakeFirst())?.disconnected_at != null, `${clientId} recorded away`);
    if (clientId === 'stale') cluster.advance(30 * 60_000);
  }
  await pub.publishAsync('away/stale', 'never delivered', { qos: 1 });
  await pub.publishAsync('away/kept', 'still wanted', { qos: 1 });
  cluster.advance(30 * 60_000 + 1000);

  const stale = await connectWithInbox(b, device, 'stale', { clean: false });
  assert.equal(stale.sessionPresent, false);
  const kept = await connectWithInbox(b, device, 'kept', { clean: false });
  assert.equal(kept.sessionPresent, true);
  assert.equal((await kept.box.next('away/kept')).payload, 'still wanted');
  await subscribe(stale.client, ['away/check']);
  await flush(stale.client, stale.client, 'away/check');
  assert.deepEqual(stale.box.all.map((m) => m.payload).filter((p) => !p.startsWith('flush-')), []);
  for (const client of [pub, stale.client, kept.client]) await end(client);
});
