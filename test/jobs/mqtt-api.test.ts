import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeJobExecutionCommand } from '@aws-sdk/client-iot';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { closed, connect, connectWithInbox, createPolicy, flush, openPolicy, provisionThing, subscribe, type DeviceCredentials } from '../mqtt/helpers.js';
import { createJob, JobsDevice, provisionDevices } from './helpers.js';

const doc = (n: number) => JSON.stringify({ operation: 'noop', n });
const isEpochSeconds = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v > 1_600_000_000 && v < 10_000_000_000;

/** The Jobs MQTT API on the wire (aws-wire-protocols.md §1), device by device. */
describe('jobs mqtt api', () => {
  let ts: TestServer;
  let devices: Map<string, DeviceCredentials>;
  const things = ['miso_get', 'miso_next', 'miso_update', 'miso_reject', 'miso_notify', 'miso_only', 'miso_other'];

  before(async () => {
    ts = await startTestServer();
    devices = await provisionDevices(ts, things);
  });
  after(() => ts.close());

  const device = async (thing: string) => JobsDevice.connect(ts, thing, devices.get(thing)!);

  test('get: empty lists, then the queued summary; clientToken echoed only when sent; integer epoch seconds; unknown fields and empty payloads accepted', async () => {
    const d = await device('miso_get');
    try {
      const empty = await d.request('get', { thingName: 'ignored', jobId: 'ignored' }, { clientToken: 'client-001' });
      assert.equal(empty.outcome, 'accepted');
      assert.deepEqual(Object.keys(empty.body).sort(), ['clientToken', 'inProgressJobs', 'queuedJobs', 'timestamp']);
      assert.deepEqual([empty.body.inProgressJobs, empty.body.queuedJobs, empty.body.clientToken], [[], [], 'client-001']);
      assert.ok(isEpochSeconds(empty.body.timestamp));

      await createJob(ts, { jobId: 'get-1', things: ['miso_get'], document: doc(1) });
      const untokened = await d.send(d.topic('get'), '');
      assert.equal(untokened.outcome, 'accepted');
      assert.equal('clientToken' in untokened.body, false);
      const [summary] = untokened.body.queuedJobs;
      assert.deepEqual(Object.keys(summary).sort(), ['executionNumber', 'jobId', 'lastUpdatedAt', 'queuedAt', 'versionNumber']);
      assert.deepEqual([summary.jobId, summary.versionNumber, summary.executionNumber], ['get-1', 1, 1]);
      assert.ok(isEpochSeconds(summary.queuedAt));
    } finally {
      await d.end();
    }
  });

  test('$next/get and start-next: nothing pending gives no execution; start-next starts the head once (statusDetails applied once)', async () => {
    const d = await device('miso_next');
    try {
      assert.deepEqual(Object.keys(await d.accepted('$next/get')).sort(), ['clientToken', 'timestamp']);
      assert.deepEqual(Object.keys(await d.accepted('start-next')).sort(), ['clientToken', 'timestamp']);

      await createJob(ts, { jobId: 'next-1', things: ['miso_next'], document: doc(1), timeoutConfig: { inProgressTimeoutInMinutes: 10 } });
      const queued = (await d.accepted('$next/get')).execution;
      assert.deepEqual(queued.jobDocument, { operation: 'noop', n: 1 }, 'the document is a JSON object');
      assert.deepEqual([queued.jobId, queued.thingName, queued.status, queued.versionNumber, queued.executionNumber], ['next-1', 'miso_next', 'QUEUED', 1, 1]);
      assert.equal('startedAt' in queued || 'statusDetails' in queued || 'approximateSecondsBeforeTimedOut' in queued, false);
      assert.equal('jobDocument' in (await d.accepted('next-1/get', { includeJobDocument: false })).execution, false);

      const started = (await d.accepted('start-next', { statusDetails: { step: 'one' }, stepTimeoutInMinutes: 5 })).execution;
      assert.deepEqual([started.status, started.versionNumber, started.statusDetails], ['IN_PROGRESS', 2, { step: 'one' }]);
      assert.ok(isEpochSeconds(started.startedAt));
      assert.equal(started.approximateSecondsBeforeTimedOut, 300, 'the step timer (5 min) ends before the in-progress timer (10 min)');
      const again = (await d.accepted('start-next', { statusDetails: { step: 'two' } })).execution;
      assert.deepEqual([again.status, again.versionNumber, again.statusDetails], ['IN_PROGRESS', 2, { step: 'one' }], 'an IN_PROGRESS head is returned unchanged');
    } finally {
      await d.end();
    }
  });

  test('update: the accepted payload is the timestamp and token unless executionState or jobDocument are asked for; expectedVersion may be a numeric string', async () => {
    const d = await device('miso_update');
    try {
      await createJob(ts, { jobId: 'update-1', things: ['miso_update'], document: doc(7) });
      const plain = await d.accepted('update-1/update', { status: 'IN_PROGRESS', statusDetails: { percent: '10' } });
      assert.deepEqual(Object.keys(plain).sort(), ['clientToken', 'timestamp']);
      const full = await d.accepted('update-1/update', { status: 'IN_PROGRESS', expectedVersion: '2', statusDetails: { percent: '50' }, includeJobExecutionState: true, includeJobDocument: true });
      assert.deepEqual(full.executionState, { status: 'IN_PROGRESS', statusDetails: { percent: '50' }, versionNumber: 3 });
      assert.deepEqual(full.jobDocument, { operation: 'noop', n: 7 });
      await d.accepted('update-1/update', { status: 'SUCCEEDED', statusDetails: { percent: '100', uptime: 12 } as Record<string, unknown> });
      const described = await ts.iot().send(new DescribeJobExecutionCommand({ jobId: 'update-1', thingName: 'miso_update' }));
      assert.deepEqual(described.execution?.statusDetails?.detailsMap, { percent: '100', uptime: '12' }, 'numbers (the v1 jobs agent sends them) are kept as strings');
    } finally {
      await d.end();
    }
  });

  test('every …/rejected code Ferry answers, with clientToken, timestamp, and executionState where §1.6 says', async () => {
    const d = await device('miso_reject');
    try {
      await createJob(ts, { jobId: 'reject-1', things: ['miso_reject'], document: doc(1) });
      const invalidTopic = await d.send(d.topic('reject-1/get/extra'), JSON.stringify({ clientToken: 't1' }));
      assert.deepEqual([invalidTopic.outcome, invalidTopic.body.code], ['rejected', 'InvalidTopic']);
      const invalidJson = await d.send(d.topic('get'), '{nope');
      assert.deepEqual([invalidJson.outcome, invalidJson.body.code, 'clientToken' in invalidJson.body], ['rejected', 'InvalidJson', false]);
      assert.ok(isEpochSeconds(invalidJson.body.timestamp));
      const notObject = await d.send(d.topic('get'), '[1]');
      assert.equal(notObject.body.code, 'InvalidRequest');

      const cases: Array<[Record<string, unknown>, RegExp]> = [
        [{ status: 'DONE' }, /status must be one of/],
        [{ status: 'CANCELED' }, /cannot set status CANCELED/],
        [{ status: 'IN_PROGRESS', statusDetails: { 'bad key': 'x' } }, /key 'bad key' is invalid/],
        [{ status: 'IN_PROGRESS', statusDetails: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v'])) }, /11 entries/],
        [{ status: 'IN_PROGRESS', statusDetails: { k: '' } }, /1-1024 characters/],
        [{ status: 'IN_PROGRESS', stepTimeoutInMinutes: 0 }, /stepTimeoutInMinutes/],
        [{ status: 'IN_PROGRESS', expectedVersion: 'one' }, /expectedVersion/],
        [{ status: 'IN_PROGRESS', includeJobDocument: 'yes' }, /includeJobDocument must be true or false/],
        [{}, /status is required/],
      ];
      for (const [body, message] of cases) {
        const r = await d.request('reject-1/update', body, { clientToken: 'tok' });
        assert.deepEqual([r.outcome, r.body.code, r.body.clientToken], ['rejected', 'InvalidRequest', 'tok'], JSON.stringify(body));
        assert.match(r.body.message, message);
        assert.equal('executionState' in r.body, false);
      }
      const queuedAgain = await d.rejected('reject-1/update', { status: 'QUEUED' });
      assert.equal(queuedAgain.code, 'InvalidStateTransition');

      assert.equal((await d.rejected('missing/update', { status: 'IN_PROGRESS' })).code, 'ResourceNotFound');
      assert.equal((await d.rejected('missing/get')).code, 'ResourceNotFound');
      assert.equal((await d.rejected('reject-1/get', { executionNumber: 9 })).code, 'ResourceNotFound');

      const mismatch = await d.rejected('reject-1/update', { status: 'IN_PROGRESS', expectedVersion: 5 });
      assert.equal(mismatch.code, 'VersionMismatch');
      assert.deepEqual(mismatch.executionState, { status: 'QUEUED', versionNumber: 1 });

      await d.accepted('reject-1/update', { status: 'SUCCEEDED', statusDetails: { done: 'yes' } });
      const terminal = await d.rejected('reject-1/update', { status: 'IN_PROGRESS' });
      assert.equal(terminal.code, 'InvalidStateTransition');
      assert.deepEqual(terminal.executionState, { status: 'SUCCEEDED', statusDetails: { done: 'yes' }, versionNumber: 2 });
      assert.equal((await d.rejected('reject-1/update', { status: 'SUCCEEDED' })).code, 'InvalidStateTransition', 'not even its own status again');
    } finally {
      await d.end();
    }
  });

  test('notify and notify-next go out exactly when §1.5 says, and not otherwise', async () => {
    const d = await device('miso_notify');
    try {
      await createJob(ts, { jobId: 'notify-1', things: ['miso_notify'], document: doc(1) });
      const n1 = await d.next('notify');
      assert.deepEqual(Object.keys(n1.jobs), ['QUEUED']);
      assert.equal(n1.jobs.QUEUED[0].jobId, 'notify-1');
      assert.ok(isEpochSeconds(n1.timestamp));
      const next1 = await d.next('notify-next');
      assert.equal(next1.execution.jobId, 'notify-1');
      assert.deepEqual(next1.execution.jobDocument, { operation: 'noop', n: 1 });
      assert.equal('thingName' in next1.execution, false, 'notify-next leaves thingName out');

      // A second job joins the list (notify) but is not next (no notify-next).
      await createJob(ts, { jobId: 'notify-2', things: ['miso_notify'], document: doc(2) });
      assert.deepEqual((await d.next('notify')).jobs.QUEUED.map((j: { jobId: string }) => j.jobId), ['notify-1', 'notify-2']);

      // The head going QUEUED → IN_PROGRESS publishes nothing on either topic.
      await d.accepted('start-next');
      await d.accepted('get'); // a round trip: anything published before it has arrived
      assert.deepEqual([d.seen('notify').length, d.seen('notify-next').length], [2, 1]);

      // The head finishing: the list changes and the next is another.
      await d.accepted('notify-1/update', { status: 'SUCCEEDED' });
      assert.deepEqual((await d.next('notify')).jobs, { QUEUED: [(await d.accepted('get')).queuedJobs[0]] });
      assert.equal((await d.next('notify-next')).execution.jobId, 'notify-2');

      // The last one going terminal straight from QUEUED: an empty list and no next.
      await d.accepted('notify-2/update', { status: 'REJECTED' });
      assert.deepEqual((await d.next('notify')).jobs, {});
      assert.deepEqual(Object.keys(await d.next('notify-next')), ['timestamp']);

      // Updating an IN_PROGRESS head's details changes neither the list nor the head.
      await createJob(ts, { jobId: 'notify-3', things: ['miso_notify'], document: doc(3) });
      await d.next('notify');
      await d.next('notify-next');
      await d.accepted('notify-3/update', { status: 'IN_PROGRESS' });
      await d.accepted('notify-3/update', { status: 'IN_PROGRESS', statusDetails: { p: '1' } });
      await d.accepted('get');
      assert.deepEqual([d.seen('notify').length, d.seen('notify-next').length], [5, 4], 'nothing more than the five lists and four heads above');
    } finally {
      await d.end();
    }
  });

  test('accepted and rejected reach the requester only; requests are not relayed to subscribers; a device cannot reach another thing\'s executions', async () => {
    const iot = ts.iot();
    await createPolicy(iot, 'watcher', openPolicy(ts, { clients: 'watcher' }));
    const watcherCreds = await provisionThing(iot, 'watcher', 'watcher', { ec: true });
    const watcher = await connectWithInbox(ts, watcherCreds, 'watcher');
    await subscribe(watcher.client, ['$aws/things/miso_only/jobs/#', 'watcher/flush']);
    const d = await device('miso_only');
    try {
      await createJob(ts, { jobId: 'only-1', things: ['miso_only', 'miso_other'], document: doc(1) });
      await d.next('notify');
      await d.accepted('get');
      await d.rejected('only-1/update', { status: 'BOGUS' });
      await flush(watcher.client, watcher.client, 'watcher/flush');
      const topics = watcher.box.all.map((m) => m.topic);
      assert.ok(topics.includes('$aws/things/miso_only/jobs/notify'), 'notifications go to every subscriber');
      assert.deepEqual(topics.filter((t) => t.startsWith('$aws/') && !t.endsWith('/notify') && !t.endsWith('/notify-next')), [], 'no request, accepted or rejected reached the watcher');

      // miso_only's certificate may not publish on miso_other's topics: the broker closes it, nothing changes.
      await d.end();
      const intruder = await connect(ts, devices.get('miso_only')!, 'miso_only');
      const gone = closed(intruder);
      intruder.publish('$aws/things/miso_other/jobs/only-1/update', JSON.stringify({ status: 'SUCCEEDED' }), { qos: 1 });
      await gone;
      const other = await iot.send(new DescribeJobExecutionCommand({ jobId: 'only-1', thingName: 'miso_other' }));
      assert.equal(other.execution?.status, 'QUEUED');
    } finally {
      await d.end();
      await watcher.client.endAsync();
    }
  });
});
