import { test } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { clusterSkipReason, startTestCluster } from './helpers.js';
import type { TestServer } from '../helpers/server.js';
import { LEAD_MS } from '../../src/cluster/ticket-keys.js';

const skip = clusterSkipReason();
const ROTATION_MS = 3600_000;

/** A TLS handshake with a node's MQTT listener (no client certificate); whether `session` resumed, and the ticket a full handshake was given. */
async function handshake(ts: TestServer, session?: Buffer): Promise<{ resumed: boolean; ticket: Buffer | undefined }> {
  const port = Number(new URL(ts.endpoints.endpoints.mqtt).port);
  const socket = tls.connect({ host: '127.0.0.1', port, ca: ts.ca, ...(session ? { session } : {}) });
  // TLS 1.3 tickets come after the handshake; the last one given is the one to keep.
  let ticket: Buffer | undefined;
  socket.on('session', (s: Buffer) => (ticket = s));
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', () => resolve());
    socket.once('error', reject);
  });
  const resumedNow = socket.isSessionReused();
  for (let i = 0; i < 100 && !ticket && !resumedNow; i++) await new Promise((r) => setTimeout(r, 10));
  if (!ticket && !resumedNow) throw new Error('no session ticket');
  const resumed = socket.isSessionReused();
  socket.destroy();
  return { resumed, ticket };
}

const refresh = (nodes: TestServer[]) => Promise.all(nodes.map((n) => n.server.ctx.ticketKeys!.refresh()));

test('a TLS session made through one node resumes through another; after a key rotation the old ticket still resumes, a new one is sealed with the new key; expired keys no longer open tickets', { skip }, async (t) => {
  const cluster = await startTestCluster(2, { ticketKeyRotationMs: ROTATION_MS });
  t.after(() => cluster.close());
  const [a, b] = cluster.nodes as [TestServer, TestServer];
  const first = await handshake(a);
  assert.equal(first.resumed, false);
  assert.equal((await handshake(b, first.ticket!)).resumed, true, 'resumed through the other node');

  const before = a.server.ctx.ticketKeys!.current.keyId;
  cluster.advance(ROTATION_MS - LEAD_MS);
  await refresh([a, b]);
  assert.equal(a.server.ctx.ticketKeys!.current.keyId, before, 'the next key is made ahead of its time');
  assert.equal(a.server.ctx.ticketKeys!.others.length, 1);
  cluster.advance(LEAD_MS);
  await refresh([a, b]);
  const rotated = a.server.ctx.ticketKeys!.current.keyId;
  assert.notEqual(rotated, before);
  assert.equal(b.server.ctx.ticketKeys!.current.keyId, rotated, 'every node switched to the same key');
  assert.equal((await handshake(b, first.ticket!)).resumed, true, 'a ticket sealed with the replaced key still resumes');
  const fresh = await handshake(b);
  assert.equal(fresh.resumed, false);
  assert.equal((await handshake(a, fresh.ticket!)).resumed, true, 'a ticket sealed with the new key resumes elsewhere');

  cluster.advance(3 * ROTATION_MS);
  await refresh([a, b]);
  assert.equal((await handshake(a, first.ticket!)).resumed, false, 'keys dropped after their time open nothing: a full handshake');
});
