import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { HistoryEvent } from '../../src/history/events.js';
import { eventually } from '../helpers/assert.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { engines } from '../helpers/stores.js';
import { cli } from '../cli/helpers.js';
import { defaultOptions, optionsFromConfig } from '../../src/config/options.js';
import { createJob, createSigningRole, httpsGet, JobsDevice, provisionDevices, uploadFirmware } from '../jobs/helpers.js';

/**
 * The event history (issue 22): a device's connection, its execution's
 * transitions, the presigned link it was given and its first download, in
 * order with increasing ids, per thing and per job; purged past its
 * retention in batches when the clock moves; read by `ferry thing describe`
 * and `ferry job watch`.
 */
const DAY = 86_400_000;
const FIRMWARE = randomBytes(2048);

const kinds = (events: HistoryEvent[]) => events.map((e) => e.kind);

async function thingHistory(ts: TestServer, thingName: string): Promise<HistoryEvent[]> {
  return (await ts.server.ctx.services.history.list({ thingName, limit: 1000 })).events;
}

async function storyJob(ts: TestServer, jobId: string, things: string[]) {
  await uploadFirmware(ts, 'firmware', 'fw/app.bin', FIRMWARE);
  const roleArn = await createSigningRole(ts, 'signer', 'firmware');
  const document = JSON.stringify({ url: `\${aws:iot:s3-presigned-url:${ts.endpoints.endpoints.s3}/firmware/fw/app.bin}` });
  await createJob(ts, { jobId, things, document, presignedUrlConfig: { roleArn, expiresInSec: 600 } });
}

test('[history] retentionDays: 30 days unless the configuration file says otherwise', () => {
  assert.equal(defaultOptions().historyRetentionMs, 30 * DAY);
  assert.equal(optionsFromConfig(new Map([['history.retentionDays', 7]])).historyRetentionMs, 7 * DAY);
});

for (const { engine, skip } of engines()) {
  test(`a device's history: connected, queued, notified, in progress, link issued, link first used, succeeded — in order, per thing and per job; read through the API and the CLI (${engine})`, { skip }, async (t) => {
    const ts = await startTestServer({ engine });
    t.after(() => ts.close());
    const creds = await provisionDevices(ts, ['miso_ha', 'miso_hb']);
    const a = await JobsDevice.connect(ts, 'miso_ha', creds.get('miso_ha')!);
    t.after(() => a.end());
    const b = await JobsDevice.connect(ts, 'miso_hb', creds.get('miso_hb')!);
    t.after(() => b.end());
    for (const thing of ['miso_ha', 'miso_hb']) await eventually(async () => kinds(await thingHistory(ts, thing)).includes('subscribed'), `${thing} connected and subscribed`);
    await storyJob(ts, 'hist-job', ['miso_ha', 'miso_hb']);

    // `ferry job watch` follows the job from now until it completes.
    const watching = cli(['job', 'watch', 'hist-job', '--interval', '50', '--data-dir', ts.dataDir]);

    // The notify-next message carries the document, rendered with a link of its own.
    await a.next('notify-next');
    await b.next('notify-next');
    // A second later: this delivery's link is its own URL (links signed in the same second for several devices are one).
    ts.clock.advance(1000);
    const started = await a.accepted('start-next', {});
    const url: string = started.execution.jobDocument.url;
    const download = await httpsGet(ts, url);
    assert.equal(download.status, 200);
    assert.ok(download.body.equals(FIRMWARE));
    assert.equal((await httpsGet(ts, url)).status, 200, 'a second download of the same link');
    await a.accepted('hist-job/update', { status: 'SUCCEEDED', statusDetails: { step: 'done' } });

    const history = await thingHistory(ts, 'miso_ha');
    const expected = ['connected', 'subscribed', 'execution.QUEUED', 'execution.notified', 'link.issued', 'execution.IN_PROGRESS', 'link.issued', 'link.used', 'execution.SUCCEEDED'];
    assert.deepEqual(kinds(history), expected);
    for (let i = 1; i < history.length; i++) assert.ok(history[i]!.id > history[i - 1]!.id, 'ids increase');
    // Nothing else happened meanwhile: from IN_PROGRESS on, the thing's events have consecutive ids.
    const working = history.slice(5);
    assert.deepEqual(working.map((e) => e.id - working[0]!.id), [0, 1, 2, 3], 'consecutive ids');
    const [issued, used] = [history[6]!, history[7]!];
    assert.deepEqual(issued.details.bucket, 'firmware');
    assert.deepEqual(issued.details.key, 'fw/app.bin');
    assert.equal(issued.jobId, 'hist-job');
    assert.equal(issued.executionNumber, 1);
    assert.equal(Date.parse(String(issued.details.expiresAt)) - Date.parse(issued.time), 600_000);
    assert.equal(used.thingName, 'miso_ha');
    const signature = new URL(url).searchParams.get('X-Amz-Signature')!;
    assert.doesNotMatch(JSON.stringify(history), new RegExp(signature), 'never the signature');
    assert.doesNotMatch(JSON.stringify(history), /X-Amz-/, 'never the URL query');
    assert.equal(history[0]!.clientId, 'miso_ha');
    assert.deepEqual(history.at(-1)!.details.statusDetails, { step: 'done' });

    await b.accepted('start-next', {});
    await b.accepted('hist-job/update', { status: 'SUCCEEDED' });
    await a.end();
    await eventually(async () => kinds(await thingHistory(ts, 'miso_ha')).includes('disconnected'), 'the disconnect recorded');
    assert.equal((await thingHistory(ts, 'miso_ha')).at(-1)!.details.reason, 'CLIENT_INITIATED_DISCONNECT');

    // The job's history lists every device, its own creation and completion, with consecutive ids (no device connected meanwhile).
    const jobEvents = (await ts.server.ctx.services.history.list({ jobId: 'hist-job' })).events;
    assert.equal(jobEvents[0]!.kind, 'job.created');
    assert.equal(jobEvents.at(-1)!.kind, 'job.completed');
    assert.deepEqual(new Set(jobEvents.flatMap((e) => (e.thingName ? [e.thingName] : []))), new Set(['miso_ha', 'miso_hb']));
    assert.deepEqual(jobEvents.filter((e) => e.thingName === 'miso_hb').map((e) => e.kind), ['execution.QUEUED', 'execution.notified', 'link.issued', 'execution.IN_PROGRESS', 'link.issued', 'execution.SUCCEEDED']);
    assert.deepEqual(jobEvents.map((e) => e.id - jobEvents[0]!.id), jobEvents.map((_, i) => i), 'consecutive ids');

    // Resuming after an id gives what follows, nothing before.
    const middle = jobEvents[3]!.id;
    const rest = await ts.server.ctx.services.history.list({ jobId: 'hist-job', after: middle, limit: 2 });
    assert.deepEqual(rest.events.map((e) => e.id), [middle + 1, middle + 2]);
    assert.equal(rest.lastId, middle + 2);

    const watched = await watching;
    assert.equal(watched.code, 0, watched.stderr);
    assert.match(watched.stdout, /\| \S+\s+execution\.IN_PROGRESS\s+miso_ha/);
    assert.match(watched.stdout, /\| \S+\s+link\.used\s+miso_ha\s+s3:\/\/firmware\/fw\/app\.bin/);
    assert.match(watched.stdout, /\| \S+\s+job\.completed/);

    const described = await cli(['thing', 'describe', 'miso_ha', '--data-dir', ts.dataDir]);
    assert.equal(described.code, 0, described.stderr);
    assert.match(described.stdout, /recent events:\n\s+\S+\s+connected\s*\n/);
    assert.match(described.stdout, /link\.issued\s+job hist-job #1\s+s3:\/\/firmware\/fw\/app\.bin until /);
    assert.match(described.stdout, /execution\.SUCCEEDED\s+job hist-job #1\s+step=done\n/);
    assert.match(described.stdout, /disconnected\s+CLIENT_INITIATED_DISCONNECT\n$/);
    const asJson = await cli(['thing', 'describe', 'miso_ha', '--json', '--data-dir', ts.dataDir]);
    assert.deepEqual(kinds(asJson.json<{ history: HistoryEvent[] }>().history), [...kinds(history), 'disconnected']);

    // A bad query is refused with the IoT error shape; the history is read as DescribeThing is authorized.
    const bad = await cli(['thing', 'describe', 'bad name!', '--data-dir', ts.dataDir]);
    assert.equal(bad.code, 1);
  });

  test(`history events past the retention are purged in batches, the clock moved; newer ones stay (${engine})`, { skip }, async (t) => {
    const ts = await startTestServer({ engine, historyRetentionMs: 30 * DAY });
    t.after(() => ts.close());
    const history = ts.server.ctx.services.history;
    for (let i = 0; i < 1_203; i++) history.record({ kind: 'connected', thingName: `old_${i % 3}`, clientId: `old_${i % 3}` });
    history.linkIssued({ url: 'https://s3.example/b/k?X-Amz-Signature=abc', bucket: 'b', key: 'k', expiresSec: 60, thingName: 'old_0', jobId: 'j' });
    await history.flush();
    ts.clock.advance(20 * DAY);
    history.record({ kind: 'disconnected', thingName: 'old_0', details: { reason: 'CONNECTION_LOST' } });
    await history.flush();
    assert.equal(await history.retention.purgeOnce(), 0, 'nothing is 30 days old yet');
    ts.clock.advance(11 * DAY);
    // 1,204 old events (1,203 and the link's): three batches of 500.
    assert.equal(await history.retention.purgeOnce(), 1_204);
    const left = await history.list({ thingName: 'old_0' });
    assert.deepEqual(kinds(left.events), ['disconnected']);
    assert.equal((await ts.server.ctx.store.db.selectFrom('history_links').select('id').execute()).length, 0, 'the link is purged with its events');
  });
}
