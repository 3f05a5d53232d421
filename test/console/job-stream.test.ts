import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { CreateJobCommand, CreateThingCommand } from '@aws-sdk/client-iot';
import { startTestServer, type TestServer } from '../helpers/server.js';

let ts: TestServer;
let cookie: string;

before(async () => {
  ts = await startTestServer();
  const iot = ts.iot();
  for (const name of ['stream-1', 'stream-2', 'stream-3']) await iot.send(new CreateThingCommand({ thingName: name }));
  const arn = (n: string) => `arn:aws:iot:${ts.endpoints.region}:${ts.endpoints.accountId}:thing/${n}`;
  await iot.send(new CreateJobCommand({ jobId: 'stream-job', targets: ['stream-1', 'stream-2', 'stream-3'].map(arn), document: '{"operation":"noop"}' }));
  cookie = await new Promise<string>((resolve, reject) => {
    const request = https.request(new URL('api/session', ts.endpoints.endpoints.console), { method: 'POST', agent: ts.agent, headers: { 'content-type': 'application/json' } }, (response) => {
      response.resume();
      resolve(String(response.headers['set-cookie']?.[0] ?? '').split(';')[0]!);
    });
    request.on('error', reject);
    request.end(JSON.stringify(ts.credentials));
  });
});
after(async () => {
  await ts?.close();
});

/** Reads events from the job's stream until `count` have arrived, then drops the connection. */
function readEvents(count: number, lastEventId?: string): Promise<Array<{ id: string; event: string; data: unknown }>> {
  return new Promise((resolve, reject) => {
    const events: Array<{ id: string; event: string; data: unknown }> = [];
    const request = https.get(new URL('api/flows/jobs/stream-job/events', ts.endpoints.endpoints.console), { agent: ts.agent, headers: { cookie, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) } }, (response) => {
      assert.equal(response.statusCode, 200);
      assert.match(String(response.headers['content-type']), /^text\/event-stream/);
      let buffer = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const field = (name: string) => block.split('\n').find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
          const event = field('event');
          if (event) events.push({ id: field('id') ?? '', event, data: JSON.parse(field('data') ?? 'null') });
          if (events.length === count) {
            request.destroy();
            resolve(events);
          }
        }
      });
    });
    request.on('error', (error) => (events.length >= count ? undefined : reject(error)));
  });
}

test('the job stream: consecutive event ids, and a resume with Last-Event-ID continues the ids with the whole state again', async () => {
  const first = await readEvents(4);
  assert.deepEqual(first.map((e) => e.id), ['1.0', '2.0', '3.0', '4.0'], 'n.h: the state comes before any history event');
  assert.equal(first[0]!.event, 'job');
  assert.deepEqual(first.slice(1).map((e) => [e.event, (e.data as { thingName: string; status: string }).thingName, (e.data as { status: string }).status]).sort(), [
    ['execution', 'stream-1', 'QUEUED'],
    ['execution', 'stream-2', 'QUEUED'],
    ['execution', 'stream-3', 'QUEUED'],
  ]);
  const resumed = await readEvents(4, '4.0');
  assert.deepEqual(resumed.map((e) => e.id), ['5.0', '6.0', '7.0', '8.0'], 'ids continue after Last-Event-ID, with no gap');
  assert.equal(resumed[0]!.event, 'job');
  assert.equal(new Set(resumed.slice(1).map((e) => (e.data as { thingName: string }).thingName)).size, 3, 'every device again after the gap');
});

test('the job stream refuses a browser without a session', async () => {
  const status = await new Promise<number>((resolve, reject) => {
    https.get(new URL('api/flows/jobs/stream-job/events', ts.endpoints.endpoints.console), { agent: ts.agent }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    }).on('error', reject);
  });
  assert.equal(status, 401);
});
