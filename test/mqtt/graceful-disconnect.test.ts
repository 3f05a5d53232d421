import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as tlsConnect } from 'node:tls';
import { startTestServer } from '../helpers/server.js';
import { createPolicy, openPolicy, provisionThing } from './helpers.js';

/** An MQTT 3.1.1 CONNECT (clean session, keep-alive 60 s), written by hand so the test controls every byte after it. */
function connectPacket(clientId: string): Buffer {
  const id = Buffer.from(clientId);
  const body = Buffer.concat([Buffer.from([0, 4]), Buffer.from('MQTT'), Buffer.from([4, 0x02, 0, 60, id.length >> 8, id.length & 0xff]), id]);
  return Buffer.concat([Buffer.from([0x10, body.length]), body]);
}
const DISCONNECT = Buffer.from([0xe0, 0x00]);

// A client's DISCONNECT is often followed at once by its TLS close_notify and FIN (mqtt.js ends its stream right
// after the packet). A broker that then closes its socket with those bytes unread makes the kernel answer with a
// reset, which the client logs as `read ECONNRESET`: the agent's log after SIGTERM. Bytes after DISCONNECT make
// the unread data certain; the broker must still end the connection with a FIN.
test('after a DISCONNECT the broker ends the connection gracefully, even with bytes still unread: no reset reaches the client', async (t) => {
  const ts = await startTestServer();
  t.after(() => ts.close());
  await createPolicy(ts.iot(), 'open', openPolicy(ts));
  const creds = await provisionThing(ts.iot(), 'leaver', 'open');
  const port = Number(new URL(ts.endpoints.endpoints.mqtt).port);

  for (const trailing of [0, 100_000]) {
    const socket = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', ca: ts.ca, cert: creds.certificatePem, key: creds.privateKeyPem });
    const errors: string[] = [];
    socket.on('error', (e: NodeJS.ErrnoException) => errors.push(e.code ?? e.message));
    const connack = new Promise<Buffer>((resolve) => socket.once('data', resolve));
    socket.write(connectPacket('leaver'));
    assert.deepEqual([...(await connack)], [0x20, 2, 0, 0], 'connected');
    const ended = new Promise<boolean>((resolve) => socket.once('end', () => resolve(true)));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.end(Buffer.concat([DISCONNECT, Buffer.alloc(trailing, 0x41)]));
    await closed;
    assert.deepEqual(errors, [], `no error on the client's socket (${trailing} bytes after DISCONNECT)`);
    assert.equal(await Promise.race([ended, Promise.resolve(false)]), true, 'the broker closed its side with a FIN');
  }
});
