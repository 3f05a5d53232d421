import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { AdjustableClock } from '../../src/clock.js';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';
import { pgSkipReason, pgTestSchema } from '../helpers/postgres.js';
import { connect, connectWithInbox, createPolicy, end, flush, openPolicy, provisionThing, subscribe, type DeviceCredentials } from './helpers.js';

const HOUR = 3600_000;

/** Persistent sessions (clean session off) on one node: kept in the database across restarts, ended after their expiry. */
for (const engine of ['sqlite', 'postgres'] as const) describe(`mqtt durable persistent sessions (${engine})`, { skip: engine === 'postgres' && pgSkipReason() }, () => {
  const dataDir = tempDir();
  const clock = new AdjustableClock();
  let ts: TestServer;
  let creds: DeviceCredentials;
  let pg: Awaited<ReturnType<typeof pgTestSchema>> | undefined;

  const start = () => startTestServer({ dataDir, keepDataDir: true, clock, ...(pg ? { pg: { url: pg.url, schema: pg.schema } } : {}) });
  const restart = async () => {
    await ts.stop();
    ts = await start();
  };

  before(async () => {
    if (engine === 'postgres') pg = await pgTestSchema();
    ts = await start();
    const iot = ts.iot();
    await createPolicy(iot, 'open', openPolicy(ts));
    creds = await provisionThing(iot, 'device', 'open', { ec: true });
  });
  after(async () => {
    await ts.stop();
    rmSync(dataDir, { recursive: true, force: true });
    await pg?.drop();
  });

  const goAway = async (clientId: string, topic: string) => {
    const first = await connectWithInbox(ts, creds, clientId, { clean: false });
    assert.deepEqual(await subscribe(first.client, [topic]), [1]);
    await end(first.client);
  };
  const publish = async (topic: string, ...payloads: string[]) => {
    const publisher = await connect(ts, creds, `publisher-${Math.random()}`);
    for (const payload of payloads) await publisher.publishAsync(topic, payload, { qos: 1 });
    await end(publisher);
  };

  test('a queued QoS 1 message survives a restart and arrives when its persistent session reconnects', async () => {
    await goAway('keeper', 'durable/keeper');
    await publish('durable/keeper', 'kept across a restart', 'and a second');
    await restart();

    const again = await connectWithInbox(ts, creds, 'keeper', { clean: false });
    assert.equal(again.sessionPresent, true);
    assert.deepEqual((await again.box.next('durable/keeper')).payload, 'kept across a restart');
    assert.deepEqual((await again.box.next('durable/keeper')).payload, 'and a second');
    // The restored subscription still routes new messages, and what was delivered is not delivered again.
    await flush(again.client, again.client, 'durable/keeper');
    await end(again.client);
    await restart();
    const third = await connectWithInbox(ts, creds, 'keeper', { clean: false });
    assert.equal(third.sessionPresent, true);
    await flush(third.client, third.client, 'durable/keeper');
    assert.deepEqual(third.box.all.map((m) => m.payload).filter((p) => !p.startsWith('flush-')), []);
    await end(third.client);
  });

  test('a session ends an hour after its client went away, its queue with it; a younger one is kept', async () => {
    await goAway('stale', 'durable/stale');
    clock.advance(HOUR / 2);
    await goAway('fresh', 'durable/fresh');
    await publish('durable/stale', 'never delivered');
    await publish('durable/fresh', 'still wanted');
    await restart();
    clock.advance(HOUR / 2 + 1000);

    const stale = await connectWithInbox(ts, creds, 'stale', { clean: false });
    assert.equal(stale.sessionPresent, false);
    const fresh = await connectWithInbox(ts, creds, 'fresh', { clean: false });
    assert.equal(fresh.sessionPresent, true);
    assert.equal((await fresh.box.next('durable/fresh')).payload, 'still wanted');
    // The expired session's subscription is gone too: a new message on its topic does not reach it.
    await publish('durable/stale', 'after expiry');
    await subscribe(stale.client, ['durable/stale-check']);
    await flush(stale.client, stale.client, 'durable/stale-check');
    assert.deepEqual(stale.box.all.map((m) => m.payload).filter((p) => !p.startsWith('flush-')), []);
    await end(stale.client);
    await end(fresh.client);
  });

  test('a clean-session CONNECT ends the persistent session: nothing is restored after a restart', async () => {
    await goAway('cleaned', 'durable/cleaned');
    await publish('durable/cleaned', 'dropped with the session');
    const clean = await connectWithInbox(ts, creds, 'cleaned', { clean: true });
    assert.equal(clean.sessionPresent, false);
    await end(clean.client);
    await restart();
    const again = await connectWithInbox(ts, creds, 'cleaned', { clean: false });
    assert.equal(again.sessionPresent, false);
    await subscribe(again.client, ['durable/cleaned']);
    await flush(again.client, again.client, 'durable/cleaned');
    assert.deepEqual(again.box.all.map((m) => m.payload).filter((p) => !p.startsWith('flush-')), []);
    await end(again.client);
  });
});
