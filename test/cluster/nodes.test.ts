import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { AdjustableClock } from '../../src/clock.js';
import { ClusterNodes } from '../../src/cluster/nodes.js';
import { engines, openTestStore } from '../helpers/stores.js';
import { eventually } from '../helpers/assert.js';

for (const { engine, skip } of engines()) {
  test(`${engine}: a node keeps recording its heartbeat while its clean-up after a dead node is still running`, { skip }, async (t) => {
    const { store, dispose } = await openTestStore(engine);
    t.after(dispose);
    const clock = new AdjustableClock();
    let release!: () => void;
    const cleanUp = new Promise<void>((resolve) => (release = resolve));
    const dead: string[] = [];
    const node = (id: string, onDead: (nodeId: string) => Promise<void>) =>
      new ClusterNodes({
        db: store.db,
        urgent: (query) => store.urgent(query),
        clock,
        logger: pino({ level: 'silent' }),
        nodeId: id,
        nodeName: id,
        heartbeatMs: 3_600_000, // the test beats by hand
        nodeTimeoutMs: 15_000,
        connections: () => 0,
        onDead,
        onRejoined: async () => {},
      });
    const a = node('a', async (id) => {
      dead.push(id);
      await cleanUp; // a dead node's thousands of devices, each one's disconnect recorded
    });
    const b = node('b', async () => {});
    await a.start({});
    await b.start({});
    const heartbeatOf = async (id: string) => (await a.list()).find((n) => n.nodeId === id)?.heartbeatAt ?? 0;

    clock.advance(16_000); // b is silent past the timeout
    const first = a.beat();
    await eventually(() => dead.length === 1, 'a finds b dead and starts cleaning up');
    assert.deepEqual(dead, ['b']);

    clock.advance(5_000);
    const at = clock.now();
    const second = a.beat();
    await eventually(async () => (await heartbeatOf('a')) >= at, 'a records its heartbeat while the clean-up runs');
    assert.deepEqual(dead, ['b'], 'one clean-up at a time');
    release();
    await Promise.all([first, second]);
    await a.stop();
    await b.stop();
  });
}
