import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CancelJobCommand,
  CancelJobExecutionCommand,
  CreateThingCommand,
  DeleteJobCommand,
  DeleteJobExecutionCommand,
  DeleteThingCommand,
  DescribeJobCommand,
  DescribeJobExecutionCommand,
  ListJobExecutionsForThingCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { startTestServer, type TestServer } from '../helpers/server.js';
import type { DeviceCredentials } from '../mqtt/helpers.js';
import { createJob, eventsObserver, JobsDevice, provisionDevices } from './helpers.js';

async function refusal(p: Promise<unknown>): Promise<Error & { $metadata: { httpStatusCode?: number } }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { $metadata: { httpStatusCode?: number } };
  }
  return assert.fail('the call succeeded');
}

/** Cancel and delete, of jobs and executions, with their force semantics (aws-wire-protocols.md §1.7, §3.3). */
describe('jobs cancel and delete', () => {
  let ts: TestServer;
  let iot: IoTClient;
  let devices: Map<string, DeviceCredentials>;

  before(async () => {
    ts = await startTestServer();
    iot = ts.iot();
    devices = await provisionDevices(ts, ['miso_c1', 'miso_c2', 'miso_x1', 'miso_d1']);
  });
  after(() => ts.close());

  const counters = async (jobId: string) => (await iot.send(new DescribeJobCommand({ jobId }))).job!;
  const status = async (jobId: string, thingName: string) => (await iot.send(new DescribeJobExecutionCommand({ jobId, thingName }))).execution!;

  test('CancelJob cancels QUEUED executions; IN_PROGRESS ones only with force; the devices hear of it', async (t) => {
    const observer = await eventsObserver(ts, 'observer-cancel');
    t.after(() => observer.client.endAsync());
    const running = await JobsDevice.connect(ts, 'miso_c1', devices.get('miso_c1')!);
    const waiting = await JobsDevice.connect(ts, 'miso_c2', devices.get('miso_c2')!);
    t.after(async () => {
      await running.end();
      await waiting.end();
    });
    await createJob(ts, { jobId: 'cancel-me', things: ['miso_c1', 'miso_c2'], document: '{"op":"x"}' });
    await waiting.next('notify');
    await running.accepted('start-next');

    const out = await iot.send(new CancelJobCommand({ jobId: 'cancel-me', reasonCode: 'BAD_BUILD', comment: 'wrong image' }));
    assert.equal(out.jobId, 'cancel-me');
    const job = await counters('cancel-me');
    assert.deepEqual([job.status, job.forceCanceled, job.reasonCode, job.comment], ['CANCELED', false, 'BAD_BUILD', 'wrong image']);
    assert.deepEqual([job.jobProcessDetails?.numberOfCanceledThings, job.jobProcessDetails?.numberOfInProgressThings], [1, 1]);
    assert.equal((await status('cancel-me', 'miso_c2')).status, 'CANCELED');
    assert.deepEqual((await waiting.next('notify')).jobs, {}, 'the waiting device learns its list is empty');
    const canceledEvent = JSON.parse((await observer.box.next('$aws/events/job/cancel-me/canceled')).payload);
    assert.deepEqual([canceledEvent.status, canceledEvent.comment], ['CANCELED', 'wrong image']);
    assert.equal(JSON.parse((await observer.box.next('$aws/events/jobExecution/cancel-me/canceled')).payload).thingArn.endsWith('thing/miso_c2'), true);

    // The running one may still report…
    await running.accepted('cancel-me/update', { status: 'IN_PROGRESS', statusDetails: { step: 'still going' } });
    // …until the job is canceled again with force.
    await iot.send(new CancelJobCommand({ jobId: 'cancel-me', force: true }));
    const forced = await status('cancel-me', 'miso_c1');
    assert.deepEqual([forced.status, forced.forceCanceled], ['CANCELED', true]);
    assert.equal((await counters('cancel-me')).forceCanceled, true);
    const late = await running.rejected('cancel-me/update', { status: 'SUCCEEDED' });
    assert.deepEqual([late.code, late.executionState.status], ['InvalidStateTransition', 'CANCELED']);
    assert.equal((await counters('cancel-me')).jobProcessDetails?.numberOfCanceledThings, 2);
  });

  test('CancelJobExecution: force for IN_PROGRESS, expectedVersion → VersionConflictException, terminal → InvalidStateTransitionException', async (t) => {
    const d = await JobsDevice.connect(ts, 'miso_x1', devices.get('miso_x1')!);
    t.after(() => d.end());
    await createJob(ts, { jobId: 'exec-cancel', things: ['miso_x1'], document: '{}' });
    await d.accepted('exec-cancel/update', { status: 'IN_PROGRESS' });

    const notForced = await refusal(iot.send(new CancelJobExecutionCommand({ jobId: 'exec-cancel', thingName: 'miso_x1' })));
    assert.deepEqual([notForced.name, notForced.$metadata.httpStatusCode], ['InvalidStateTransitionException', 409]);
    assert.match(notForced.message, /force=true/);
    const conflict = await refusal(iot.send(new CancelJobExecutionCommand({ jobId: 'exec-cancel', thingName: 'miso_x1', force: true, expectedVersion: 1 })));
    assert.deepEqual([conflict.name, conflict.$metadata.httpStatusCode], ['VersionConflictException', 409]);
    assert.equal((await status('exec-cancel', 'miso_x1')).status, 'IN_PROGRESS', 'nothing changed');

    await iot.send(new CancelJobExecutionCommand({ jobId: 'exec-cancel', thingName: 'miso_x1', force: true, expectedVersion: 2, statusDetails: { why: 'operator' } }));
    const canceled = await status('exec-cancel', 'miso_x1');
    assert.deepEqual([canceled.status, canceled.forceCanceled, canceled.versionNumber, canceled.statusDetails?.detailsMap], ['CANCELED', true, 3, { why: 'operator' }]);
    assert.equal((await counters('exec-cancel')).status, 'COMPLETED', 'every execution is terminal');
    const again = await refusal(iot.send(new CancelJobExecutionCommand({ jobId: 'exec-cancel', thingName: 'miso_x1', force: true })));
    assert.equal(again.name, 'InvalidStateTransitionException');
    const missing = await refusal(iot.send(new CancelJobExecutionCommand({ jobId: 'exec-cancel', thingName: 'miso_c1' })));
    assert.deepEqual([missing.name, missing.$metadata.httpStatusCode], ['ResourceNotFoundException', 404]);
  });

  test('DeleteJobExecution only for terminal executions unless forced; DeleteJob only for finished jobs unless forced', async (t) => {
    const observer = await eventsObserver(ts, 'observer-delete');
    t.after(() => observer.client.endAsync());
    const d = await JobsDevice.connect(ts, 'miso_d1', devices.get('miso_d1')!);
    t.after(() => d.end());
    await createJob(ts, { jobId: 'del-1', things: ['miso_d1', 'miso_c1'], document: '{"n":1}' });
    await createJob(ts, { jobId: 'del-2', things: ['miso_d1'], document: '{"n":2}' });
    await d.next('notify-next');

    const queued = await refusal(iot.send(new DeleteJobExecutionCommand({ jobId: 'del-1', thingName: 'miso_c1', executionNumber: 1 })));
    assert.equal(queued.name, 'InvalidStateTransitionException');
    await iot.send(new DeleteJobExecutionCommand({ jobId: 'del-1', thingName: 'miso_c1', executionNumber: 1, force: true }));
    await refusal(iot.send(new DescribeJobExecutionCommand({ jobId: 'del-1', thingName: 'miso_c1' })));
    assert.equal((await counters('del-1')).jobProcessDetails?.numberOfQueuedThings, 1);
    assert.equal(JSON.parse((await observer.box.next('$aws/events/jobExecution/del-1/deleted')).payload).status, 'QUEUED');

    const busy = await refusal(iot.send(new DeleteJobCommand({ jobId: 'del-1' })));
    assert.deepEqual([busy.name, busy.$metadata.httpStatusCode], ['InvalidStateTransitionException', 409]);
    assert.match(busy.message, /cancel it first, or delete it with force=true/);
    await iot.send(new DeleteJobCommand({ jobId: 'del-1', force: true }));
    const gone = await refusal(iot.send(new DescribeJobCommand({ jobId: 'del-1' })));
    assert.equal(gone.name, 'ResourceNotFoundException');
    assert.deepEqual((await iot.send(new ListJobExecutionsForThingCommand({ thingName: 'miso_d1' }))).executionSummaries?.map((s) => s.jobId), ['del-2']);
    // The device's next job is now the other one.
    assert.equal((await d.next('notify-next')).execution.jobId, 'del-2');
    const deleted = JSON.parse((await observer.box.next('$aws/events/job/del-1/deleted')).payload);
    assert.deepEqual([deleted.eventType, deleted.status], ['JOB', 'DELETED']);

    await d.accepted('del-2/update', { status: 'FAILED', statusDetails: { reason: 'no space' } });
    assert.equal((await counters('del-2')).status, 'COMPLETED');
    await iot.send(new DeleteJobExecutionCommand({ jobId: 'del-2', thingName: 'miso_d1', executionNumber: 1 }));
    assert.equal((await counters('del-2')).jobProcessDetails?.numberOfFailedThings, 0);
    await iot.send(new DeleteJobCommand({ jobId: 'del-2' }));
    // The job id may be used again once the job is gone.
    await createJob(ts, { jobId: 'del-2', things: ['miso_d1'], document: '{"n":3}' });
  });

  test('deleting a thing removes its pending executions (REMOVED) and the job completes', async () => {
    await iot.send(new CreateThingCommand({ thingName: 'doomed' }));
    await createJob(ts, { jobId: 'removal', things: ['doomed'], document: '{}' });
    await iot.send(new DeleteThingCommand({ thingName: 'doomed' }));
    assert.equal((await status('removal', 'doomed')).status, 'REMOVED');
    const job = await counters('removal');
    assert.deepEqual([job.status, job.jobProcessDetails?.numberOfRemovedThings, job.jobProcessDetails?.numberOfQueuedThings], ['COMPLETED', 1, 0]);
  });
});
