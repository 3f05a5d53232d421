/**
 * The console's connect checklist across a cluster: the checklist streamed by node A's
 * console goes green for a device that connects through node B (the broker's device events
 * cross the cluster bus), and shows node B's refusal of a device its policy denies.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { clusterSkipReason, startTestCluster } from './helpers.js';
import { connectOutcome, connectWithInbox, createPolicy, end, openPolicy, provisionThing, subscribe } from '../mqtt/helpers.js';
import type { TestServer } from '../helpers/server.js';

const skip = clusterSkipReason();

interface Step {
  name: string;
  status: string;
  detail?: string;
}

function sessionCookie(ts: TestServer): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const request = https.request(new URL('api/session', ts.endpoints.endpoints.console), { method: 'POST', agent: ts.agent, headers: { 'content-type': 'application/json' } }, (response) => {
      response.resume();
      resolve(String(response.headers['set-cookie']?.[0] ?? '').split(';')[0]!);
    });
    request.on('error', reject);
    request.end(JSON.stringify(ts.credentials));
  });
}

/** The thing's checklist stream on `ts`: `opened` once the first checklist arrived, `until` the first that passes `done`. */
function checklistStream(ts: TestServer, cookie: string, thingName: string) {
  let latest: Step[] = [];
  const waiters: Array<{ done: (steps: Step[]) => boolean; resolve: (steps: Step[]) => void }> = [];
  let opened!: () => void;
  const openedP = new Promise<void>((resolve) => (opened = resolve));
  const request = https.get(new URL(`api/flows/connect/${thingName}/events`, ts.endpoints.endpoints.console), { agent: ts.agent, headers: { cookie } }, (response) => {
    assert.equal(response.statusCode, 200);
    let buffer = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      buffer += chunk;
      let cut;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const data = block.split('\n').find((l) => l.startsWith('data: '));
        if (!block.includes('event: checklist') || !data) continue;
        latest = (JSON.parse(data.slice(6)) as { steps: Step[] }).steps;
        opened();
        for (const w of [...waiters]) if (w.done(latest)) waiters.splice(waiters.indexOf(w), 1) && w.resolve(latest);
      }
    });
  });
  request.on('error', () => {});
  return {
    opened: openedP,
    until: (done: (steps: Step[]) => boolean) => (done(latest) ? Promise.resolve(latest) : new Promise<Step[]>((resolve) => waiters.push({ done, resolve }))),
    close: () => request.destroy(),
  };
}

const statusOf = (steps: Step[]) => Object.fromEntries(steps.map((s) => [s.name, s.status]));

test("a device connecting through node B ticks the checklist on node A's console; a refusal on B shows there too", { skip }, async (t) => {
  const cluster = await startTestCluster(2);
  t.after(() => cluster.close());
  const [a, b] = cluster.nodes as [TestServer, TestServer];
  const iot = a.iot();
  await createPolicy(iot, 'open', openPolicy(a, { topics: '*' }));
  await createPolicy(iot, 'nobody', openPolicy(a, { clients: 'nobody-at-all' }));
  const creds = await provisionThing(iot, 'cl-sensor', 'open');
  const refused = await provisionThing(iot, 'cl-refused', 'nobody');
  const cookie = await sessionCookie(a);

  const stream = checklistStream(a, cookie, 'cl-sensor');
  t.after(() => stream.close());
  await stream.opened;
  const { client } = await connectWithInbox(b, creds, 'cl-sensor');
  t.after(() => end(client));
  await subscribe(client, ['$aws/things/cl-sensor/jobs/notify-next']);
  await client.publishAsync('$aws/things/cl-sensor/jobs/get', '{}', { qos: 1 });
  const steps = await stream.until((s) => s.every((step) => step.status === 'done'));
  assert.deepEqual(statusOf(steps), { tls: 'done', connect: 'done', subscribe: 'done', jobs: 'done' });
  assert.match(steps.find((s) => s.name === 'connect')!.detail ?? '', /client id cl-sensor/);
  assert.match(steps.find((s) => s.name === 'jobs')!.detail ?? '', /\$aws\/things\/cl-sensor\/jobs\/get/);

  // Beside it, in the same cluster: node B refuses a CONNECT, node A's checklist shows the refusal.
  const refusal = checklistStream(a, cookie, 'cl-refused');
  t.after(() => refusal.close());
  await refusal.opened;
  assert.notEqual(await connectOutcome(b, refused, 'cl-refused'), 'connected');
  const failed = await refusal.until((s) => statusOf(s).connect === 'failed');
  assert.equal(statusOf(failed).jobs, 'waiting');
  assert.match(failed.find((s) => s.name === 'connect')!.detail ?? '', /cl-refused/);
});
