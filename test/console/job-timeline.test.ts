import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { DescribeJobCommand } from '@aws-sdk/client-iot';
import { AxeBuilder } from '@axe-core/playwright';
import type { Announced } from '../../src/jobs/index.js';
import type { Principal } from '../../src/iam/principal.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { launchChromium, newContext, signInWithKey } from './browser.js';
import { createSigningRole, httpsGet, uploadFirmware } from '../jobs/helpers.js';

const DEVICES = 200;
const JOB = 'timeline-job';
const FINAL = new Set(['execution.SUCCEEDED', 'execution.FAILED']);
const FIRMWARE = Buffer.from('timeline firmware 1.0');

interface Received {
  id: string;
  event: string;
  data: Record<string, unknown>;
}

let ts: TestServer;
const rootOf = (t: TestServer): Principal => ({ kind: 'root', arn: `arn:aws:iam::${t.endpoints.accountId}:root`, accountId: t.endpoints.accountId, accessKeyId: t.credentials.accessKeyId });
let cookie: string;
const things = Array.from({ length: DEVICES }, (_, i) => `tl_${String(i).padStart(3, '0')}`);

before(async () => {
  ts = await startTestServer();
  const { registry, jobs } = ts.server.ctx.services;
  await registry.thingGroups.create('timeline-fleet', {});
  for (const name of things) {
    await registry.things.create({ name });
    await registry.thingGroups.addThing({ groupName: 'timeline-fleet', thingName: name });
  }
  const root = rootOf(ts);
  // Each device fetches its presigned link: its timeline has "link issued" and "downloaded".
  await uploadFirmware(ts, 'timeline-firmware', 'fw.bin', FIRMWARE);
  const roleArn = await createSigningRole(ts, 'timeline-signer', 'timeline-firmware');
  const document = JSON.stringify({ operation: 'download', url: `\${aws:iot:s3-presigned-url:${ts.endpoints.endpoints.s3}/timeline-firmware/fw.bin}` });
  await jobs.createJob(root, { jobId: JOB, targets: [registry.arns.thingGroup('timeline-fleet')], document, presignedUrlConfig: { roleArn, expiresInSec: 3600 } });
  await jobs.settled();
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

/** Reads the job's stream until `done(events)`, then drops the connection. */
function readUntil(done: (events: Received[]) => boolean, lastEventId?: string, jobId = JOB): Promise<Received[]> {
  return new Promise((resolve, reject) => {
    const events: Received[] = [];
    let finished = false;
    const request = https.get(new URL(`api/flows/jobs/${jobId}/events`, ts.endpoints.endpoints.console), { agent: ts.agent, headers: { cookie, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) } }, (response) => {
      assert.equal(response.statusCode, 200);
      let buffer = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let end;
        while (!finished && (end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const field = (name: string) => block.split('\n').find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
          const event = field('event');
          if (!event) continue;
          events.push({ id: field('id') ?? '', event, data: JSON.parse(field('data') ?? 'null') as Record<string, unknown> });
          if (done(events)) {
            finished = true;
            request.destroy();
            resolve(events);
          }
        }
      });
    });
    request.on('error', (error) => (finished ? undefined : reject(error)));
  });
}

async function announced<T>(operation: Promise<Announced<T>>): Promise<T> {
  const done = await operation;
  await done.announce();
  return done.value;
}

/**
 * Each device starts, downloads through its link, then reports; every third fails with a reason. Links signed in
 * the same second by the same role session are the same URL (whose download cannot be told apart), so the clock
 * moves a second before each start, as devices starting at different moments.
 */
const ran = new Set<string>();
async function runDevice(thing: string, i: number): Promise<void> {
  ran.add(thing);
  const jobs = ts.server.ctx.services.jobs;
  ts.clock.advance(1000);
  const started = await announced(jobs.startNext(thing, { statusDetails: { step: 'start' } }));
  assert.equal(started.ok, true);
  const url = ((started.ok ? started.value?.document : undefined) as { url?: string } | undefined)?.url;
  assert.ok(url, `${thing} got its document with a link`);
  const download = await httpsGet(ts, url);
  assert.equal(download.status, 200);
  assert.ok(download.body.equals(FIRMWARE));
  const end = i % 3 === 0 ? { status: 'FAILED', statusDetails: { reason: `disk full on ${thing}` } } : { status: 'SUCCEEDED', statusDetails: { step: 'done' } };
  assert.equal((await announced(jobs.update(thing, JOB, end, { includeJobDocument: false }))).ok, true);
}

const history = (events: Received[]) => events.filter((e) => e.event === 'history');
const nOf = (id: string) => Number(id.split('.')[0]);
const finals = (events: Received[]) => new Set(history(events).filter((e) => FINAL.has(String(e.data.kind))).map((e) => String(e.data.thingName)));
const finishedOf = (job: Record<string, unknown>) => {
  const d = (job.jobProcessDetails ?? {}) as Record<string, number>;
  return (d.numberOfSucceededThings ?? 0) + (d.numberOfFailedThings ?? 0);
};

test(`a ${DEVICES}-device job: cut midway, resumed with Last-Event-ID, every device's timeline is complete with consecutive ids`, async () => {
  // Half the devices finish, then the stream is cut while the other half runs.
  for (const [i, t] of things.slice(0, DEVICES / 2).entries()) await runDevice(t, i);
  const firstHalf = new Set(things.slice(0, DEVICES / 2));
  const first = await readUntil((events) => [...firstHalf].every((t) => finals(events).has(t)));
  const rest = (async () => {
    for (const [i, t] of things.slice(DEVICES / 2).entries()) await runDevice(t, i + DEVICES / 2);
  })();
  const last = first.at(-1)!.id;
  await rest;
  const second = await readUntil((events) => {
    const job = events.filter((e) => e.event === 'job').at(-1);
    return finals([...first, ...events]).size === DEVICES && job !== undefined && finishedOf(job.data) === DEVICES;
  }, last);

  const all = [...first, ...second];
  assert.deepEqual(
    all.map((e) => nOf(e.id)),
    all.map((_, i) => i + 1),
    'ids 1, 2, 3 … on every event, continued after Last-Event-ID with no gap',
  );
  assert.ok(all.every((e) => /^\d+\.\d+$/.test(e.id)));
  const historyIds = history(all).map((e) => Number(e.data.historyId));
  assert.equal(new Set(historyIds).size, historyIds.length, 'no history event twice across the resume');
  assert.deepEqual([...historyIds].sort((a, b) => a - b), historyIds, 'oldest first');
  assert.ok(nOf(second[0]!.id) === nOf(last) + 1);

  // Each device: queued, notified, started, link issued, downloaded, then its final status (with the failure's reason).
  // The notification (notify-next carries the document) issued a link too; the device downloads the one its start got.
  const byThing = new Map<string, Received[]>();
  for (const e of history(all)) if (e.data.thingName) byThing.set(String(e.data.thingName), [...(byThing.get(String(e.data.thingName)) ?? []), e]);
  assert.equal(byThing.size, DEVICES);
  things.forEach((thing, i) => {
    const kinds = byThing.get(thing)!.map((e) => e.data.kind);
    const end = i % 3 === 0 ? 'execution.FAILED' : 'execution.SUCCEEDED';
    assert.deepEqual(kinds, ['execution.QUEUED', 'execution.notified', 'link.issued', 'execution.IN_PROGRESS', 'link.issued', 'link.used', end], thing);
    const [, , notifiedLink, , startedLink, used] = byThing.get(thing)!;
    assert.notEqual(notifiedLink!.data.time, startedLink!.data.time, `${thing}: two links, issued at two moments`);
    assert.equal(new Date((used!.data.details as { issuedAt: string }).issuedAt).getTime(), new Date(startedLink!.data.time as string).getTime(), `${thing} downloaded its start's link`);
    const details = byThing.get(thing)!.at(-1)!.data.details as { statusDetails?: Record<string, string> };
    if (i % 3 === 0) assert.equal(details.statusDetails?.reason, `disk full on ${thing}`);
  });

  // The counters shown last are DescribeJob's.
  const described = await ts.iot().send(new DescribeJobCommand({ jobId: JOB }));
  const shown = all.filter((e) => e.event === 'job').at(-1)!.data.jobProcessDetails as Record<string, number>;
  const expected = described.job!.jobProcessDetails as Record<string, number>;
  for (const key of Object.keys(shown)) assert.equal(shown[key], expected[key], key);
  assert.equal(expected.numberOfFailedThings, things.filter((_, i) => i % 3 === 0).length);
  assert.equal(expected.numberOfSucceededThings, DEVICES - (expected.numberOfFailedThings ?? 0));
});

test('a resume cursor that is not n.h starts afresh; a bare n continues the numbering and resends the history from its start', async () => {
  const fresh = await readUntil((events) => events.length === 3, 'garbage');
  assert.deepEqual(fresh.map((e) => e.id.split('.')[0]), ['1', '2', '3']);
  const bare = await readUntil((events) => history(events).length === 1, '7');
  assert.equal(nOf(bare[0]!.id), 8);
  assert.equal(history(bare)[0]!.data.kind, 'job.created');
});

test('the job event carries the rollout: its rate now and how many more failures abort it', async () => {
  const { registry, jobs } = ts.server.ctx.services;
  const root = rootOf(ts);
  await jobs.createJob(root, {
    jobId: 'timeline-rollout',
    targets: things.slice(0, 3).map((t) => registry.arns.thing(t)),
    document: '{"operation":"noop"}',
    configs: {
      jobExecutionsRolloutConfig: { maximumPerMinute: 50 },
      abortConfig: { criteriaList: [{ failureType: 'FAILED', action: 'CANCEL', thresholdPercentage: 50, minNumberOfExecutedThings: 1 }] },
    },
  });
  const [job] = await readUntil((events) => events.length === 1, undefined, 'timeline-rollout');
  assert.equal(job!.event, 'job');
  assert.equal(job!.data.rollout, 'rate 50/min  ·  1 more FAILED cancel this job');
});

test('the job event carries the pacer\'s state: the next notification a minute on while devices await it, none once all are notified (the clock moved, not slept); the page shows it live', async () => {
  const { registry, jobs } = ts.server.ctx.services;
  const root = rootOf(ts);
  await jobs.createJob(root, {
    jobId: 'timeline-paced',
    targets: things.slice(10, 13).map((t) => registry.arns.thing(t)),
    document: '{"operation":"noop"}',
    configs: {
      jobExecutionsRolloutConfig: { maximumPerMinute: 2 },
      abortConfig: { criteriaList: [{ failureType: 'FAILED', action: 'CANCEL', thresholdPercentage: 50, minNumberOfExecutedThings: 1 }] },
    },
  });
  await jobs.settled();
  const createdAt = ts.clock.now();
  const [first] = await readUntil((events) => events.length === 1, undefined, 'timeline-paced');
  const state = first!.data.rolloutState as { ratePerMinute: number; rateKind: string; leftThisMinute: number; nextNotifyAtMs?: number; abort: Array<{ moreToAbort: number; failures: number; ended: number }> };
  assert.equal(state.ratePerMinute, 2);
  assert.equal(state.rateKind, 'constant');
  assert.equal(state.leftThisMinute, 0, 'two of the three were notified in the first minute');
  assert.ok(state.nextNotifyAtMs !== undefined && Math.abs(state.nextNotifyAtMs - (createdAt + 60_000)) < 5_000, `the third is due a minute on (${state.nextNotifyAtMs} against ${createdAt + 60_000})`);
  assert.deepEqual(state.abort.map((a) => [a.failures, a.ended, a.moreToAbort]), [[0, 0, 1]]);

  const browser = await launchChromium();
  try {
    const context = await newContext(browser);
    const page = await context.newPage();
    await signInWithKey(page, ts.endpoints.endpoints.console, ts.credentials);
    await page.goto(`${ts.endpoints.endpoints.console}#/jobs/timeline-paced`);
    const pacer = page.getByTestId('job-rollout-state');
    await pacer.getByText(/2 a minute now \(constant\), 0 left this minute · next devices notified at \d\d:\d\d:\d\d UTC · FAILED: 0 of 0 ended, 1 more stop the job \(50 %\)/).waitFor();
    // A minute on, the pacer notifies the third: the page follows without a reload.
    ts.clock.advance(61_000);
    await jobs.tick();
    await jobs.settled();
    await pacer.getByText(/every device has been notified/).waitFor();
    assert.equal(await pacer.getAttribute('data-next-notify-at'), '');
    await context.close();
  } finally {
    await browser.close();
  }
});

test('in Chromium: expanding a device on the job page shows its timeline; axe finds nothing serious', async () => {
  // This test also runs alone (--test-name-pattern).
  if (!ran.has('tl_000')) await runDevice('tl_000', 0);
  const browser = await launchChromium();
  try {
    const context = await newContext(browser);
    const page = await context.newPage();
    await signInWithKey(page, ts.endpoints.endpoints.console, ts.credentials);
    await page.goto(`${ts.endpoints.endpoints.console}#/jobs/${JOB}`);
    await page.getByRole('button', { name: 'Timeline of tl_000' }).click();
    const timeline = page.getByRole('list', { name: 'Timeline of tl_000' });
    await timeline.getByText('failed: reason: disk full on tl_000').waitFor();
    const steps = await timeline.getByRole('listitem').allTextContents();
    assert.deepEqual(
      steps.map((s) => s.replace(/^\S+ /, '').split(':')[0]),
      ['queued', 'notified', 'link issued', 'started', 'link issued', 'downloaded', 'failed'],
    );
    const results = await new AxeBuilder({ page }).analyze();
    const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert.deepEqual(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`), []);
    await context.close();
  } finally {
    await browser.close();
  }
});
