import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from 'aedes';
import { Connections, DeviceConnection } from '../../src/mqtt/connections.js';
import type { DeviceAuthority, ResolvedDevice } from '../../src/mqtt/device-authority.js';
import { followRegistryChanges } from '../../src/mqtt/live-changes.js';
import { MqttArns } from '../../src/mqtt/topics.js';
import { testLogger } from '../helpers/server.js';

type Listener = (event: { policyName: string }) => Promise<void>;

/** A connection held by a fake aedes client: enough to see how live changes close it. */
function openConnection(connections: Connections, clientId: string, policyNames: string[]): DeviceConnection {
  const client = { closed: false, close: (done: () => void) => done() } as unknown as Client;
  const connection = new DeviceConnection(client, '127.0.0.1');
  connection.clientId = clientId;
  connection.certificateId = `cert-${clientId}`;
  connection.device = { certificateId: `cert-${clientId}`, certificateArn: `arn:cert/${clientId}`, policyNames, policy: { allows: () => true } } as unknown as ResolvedDevice;
  connections.add(connection);
  connections.accept(connection);
  return connection;
}

test('a policy change whose connections cannot be judged again (the registry failing) closes them: SERVER_ERROR; others stay', async () => {
  const listeners = new Map<string, Listener>();
  const feed = { on: (name: string, listener: Listener) => (listeners.set(name, listener), () => listeners.delete(name)) };
  const connections = new Connections();
  const failing = openConnection(connections, 'failing', ['changed']);
  const healthy = openConnection(connections, 'healthy', ['changed']);
  const untouched = openConnection(connections, 'untouched', ['other']);
  const authority: DeviceAuthority = {
    resolve: async (certificateId) => {
      if (certificateId === 'cert-failing') throw new Error('database unavailable');
      return { ok: true, device: healthy.device! };
    },
  } as DeviceAuthority;
  followRegistryChanges({ feed: feed as never, connections, authority, arns: new MqttArns('us-east-1', '123456789012'), logger: testLogger() });
  await listeners.get('policy-changed')!({ policyName: 'changed' });
  assert.equal(failing.reason, 'SERVER_ERROR');
  assert.equal(healthy.reason, undefined);
  assert.equal(untouched.reason, undefined);
});
