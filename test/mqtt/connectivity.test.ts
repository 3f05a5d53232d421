import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectivityStore } from '../../src/mqtt/connectivity.js';
import { engines, openTestStore } from '../helpers/stores.js';

/** The connectivity table on every storage engine. */
for (const { engine, skip } of engines()) {
  describe(`mqtt connectivity store [${engine}]`, { skip }, () => {
    const base = { principalId: 'c'.repeat(64), ipAddress: '10.0.0.1', nodeId: 'node-a' };

    test('connects count up versionNumber; a disconnect is recorded with its reason', async () => {
      const { store, dispose } = await openTestStore(engine);
      try {
        const connectivity = new ConnectivityStore(store.db);
        assert.equal(await connectivity.ofThing('lamp'), undefined);
        assert.equal(await connectivity.connected({ ...base, clientId: 'lamp', thingName: 'lamp', sessionId: 's1', at: 1000 }), 0);
        assert.deepEqual(await connectivity.ofThing('lamp'), { connected: true, timestamp: 1000, clientId: 'lamp', sessionId: 's1', principalId: base.principalId, connectedAt: 1000 });
        await connectivity.disconnected({ clientId: 'lamp', sessionId: 's1', reason: 'MQTT_KEEP_ALIVE_TIMEOUT', at: 2000 });
        const offline = await connectivity.ofThing('lamp');
        assert.equal(offline?.connected, false);
        assert.equal(offline?.timestamp, 2000);
        assert.equal(offline?.disconnectReason, 'MQTT_KEEP_ALIVE_TIMEOUT');
        assert.equal(await connectivity.connected({ ...base, clientId: 'lamp', thingName: 'lamp', sessionId: 's2', at: 3000 }), 1);
        assert.equal((await connectivity.ofThing('lamp'))?.disconnectReason, undefined);
      } finally {
        await dispose();
      }
    });

    test('a late disconnect of an older session does not mark a newer one offline', async () => {
      const { store, dispose } = await openTestStore(engine);
      try {
        const connectivity = new ConnectivityStore(store.db);
        await connectivity.connected({ ...base, clientId: 'c1', sessionId: 'old', at: 1 });
        await connectivity.connected({ ...base, clientId: 'c1', sessionId: 'new', at: 2 });
        await connectivity.disconnected({ clientId: 'c1', sessionId: 'old', reason: 'DUPLICATE_CLIENTID', at: 3 });
        assert.equal((await connectivity.ofClient('c1'))?.connected, true);
      } finally {
        await dispose();
      }
    });

    test('a thing is found by client id or by the thing a connection was bound to; a stopped node’s connections end', async () => {
      const { store, dispose } = await openTestStore(engine);
      try {
        const connectivity = new ConnectivityStore(store.db);
        await connectivity.connected({ ...base, clientId: 'sensor-17', thingName: 'greenhouse', sessionId: 's', at: 5 });
        await connectivity.connected({ ...base, clientId: 'other', nodeId: 'node-b', sessionId: 't', at: 6 });
        assert.equal((await connectivity.ofThing('greenhouse'))?.clientId, 'sensor-17');
        await connectivity.nodeStopped('node-a', 'SERVER_INITIATED_DISCONNECT', 9);
        assert.equal((await connectivity.ofThing('greenhouse'))?.disconnectReason, 'SERVER_INITIATED_DISCONNECT');
        assert.equal((await connectivity.ofClient('other'))?.connected, true, 'another node’s connection is untouched');
      } finally {
        await dispose();
      }
    });
  });
}
