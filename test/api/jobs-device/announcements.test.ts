/**
 * One jobs domain, two device adapters: the same table of device actions run
 * once over the Jobs MQTT API and once over the HTTPS data plane must produce
 * the same notify and notify-next on the device's MQTT connection and the same
 * `$aws/events/…` for an operator's observer.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MqttClient } from 'mqtt';
import { StartNextPendingJobExecutionCommand, UpdateJobExecutionCommand, type IoTJobsDataPlaneClient } from '@aws-sdk/client-iot-jobs-data-plane';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { createJob, JobsDevice } from '../../jobs/helpers.js';
import { connectWithInbox, createPolicy, flush, provisionThing, subscribe, type Inbox } from '../../mqtt/helpers.js';
import { bothProtocolsPolicy, certificateClient, provisionNamedDevice } from '../iot-jobs-data/helpers.js';

type Step = { op: 'start-next' } | { op: 'update'; job: string; status: string; statusDetails?: Record<string, string>; refused?: true };

interface Case {
  name: string;
  /** Jobs created for the case's thing, in this order (their notifications are not part of the case). */
  jobs: string[];
  steps: Step[];
  /** What the device's MQTT connection hears (notify, notify-next), in order. */
  device: string[];
  /** What the events observer hears, in order. */
  events: string[];
}

const CASES: Case[] = [
  { name: 'start-next of the only job (QUEUED → IN_PROGRESS) publishes nothing', jobs: ['a'], steps: [{ op: 'start-next' }], device: [], events: [] },
  {
    name: 'the head succeeding: notify without it, notify-next names the next, the succeeded event with its details, the job completed',
    jobs: ['a', 'b'],
    steps: [{ op: 'start-next' }, { op: 'update', job: 'a', status: 'SUCCEEDED', statusDetails: { result: 'ok' } }],
    device: ['notify QUEUED:b', 'notify-next b QUEUED v1'],
    events: ['jobExecution/a/succeeded SUCCEEDED {"result":"ok"}', 'job/a/completed COMPLETED'],
  },
  {
    name: 'the last job rejected straight from QUEUED: an empty list, no next, the rejected event',
    jobs: ['a'],
    steps: [{ op: 'update', job: 'a', status: 'REJECTED', statusDetails: { reason: 'unknown-operation' } }],
    device: ['notify (empty)', 'notify-next (none)'],
    events: ['jobExecution/a/rejected REJECTED {"reason":"unknown-operation"}', 'job/a/completed COMPLETED'],
  },
  {
    name: 'a later job started first becomes the head: notify-next only (the list holds the same jobs)',
    jobs: ['a', 'b'],
    steps: [{ op: 'update', job: 'b', status: 'IN_PROGRESS' }],
    device: ['notify-next b IN_PROGRESS v2'],
    events: [],
  },
  {
    name: 'a job that is not the head failing: notify without it, no notify-next',
    jobs: ['a', 'b'],
    steps: [{ op: 'update', job: 'b', status: 'FAILED' }],
    device: ['notify QUEUED:a'],
    events: ['jobExecution/b/failed FAILED', 'job/b/completed COMPLETED'],
  },
  {
    name: 'progress on the IN_PROGRESS head changes neither the list nor the head',
    jobs: ['a'],
    steps: [{ op: 'start-next' }, { op: 'update', job: 'a', status: 'IN_PROGRESS', statusDetails: { percent: '50' } }],
    device: [],
    events: [],
  },
  {
    name: 'a refused update announces nothing',
    jobs: ['a'],
    steps: [
      { op: 'update', job: 'a', status: 'SUCCEEDED' },
      { op: 'update', job: 'a', status: 'IN_PROGRESS', refused: true },
    ],
    device: ['notify (empty)', 'notify-next (none)'],
    events: ['jobExecution/a/succeeded SUCCEEDED', 'job/a/completed COMPLETED'],
  },
];

/** A device acting through one adapter; its MQTT connection listens to notify and notify-next either way. */
interface Actor {
  startNext(): Promise<void>;
  /** Resolves true when accepted, false when refused. */
  update(jobId: string, status: string, statusDetails?: Record<string, string>): Promise<boolean>;
  /** Once it resolves, everything the last action announced has been handed to the broker. */
  barrier(): Promise<void>;
}

const ADAPTERS: Record<'mqtt' | 'https', (ts: TestServer, device: JobsDevice, https: IoTJobsDataPlaneClient) => Actor> = {
  mqtt: (_ts, device) => ({
    startNext: async () => void (await device.accepted('start-next')),
    update: async (jobId, status, statusDetails) => (await device.request(`${jobId}/update`, { status, ...(statusDetails ? { statusDetails } : {}) })).outcome === 'accepted',
    // The broker hands a device's requests to the jobs API one at a time: once another is answered, the last one's announcements are out.
    barrier: async () => void (await device.accepted('get')),
  }),
  https: (ts, device, client) => ({
    startNext: async () => void (await client.send(new StartNextPendingJobExecutionCommand({ thingName: device.thingName }))),
    update: (jobId, status, statusDetails) =>
      client.send(new UpdateJobExecutionCommand({ thingName: device.thingName, jobId, status: status as never, ...(statusDetails ? { statusDetails } : {}) })).then(
        () => true,
        (e: Error) => {
          if (e.name !== 'InvalidStateTransitionException') throw e;
          return false;
        },
      ),
    barrier: () => ts.server.ctx.services.jobs.settled(),
  }),
};

/** What a notify, notify-next or event says, without times, ids or versions that differ by run. */
function summarize(topic: string, payload: any, short: (jobId: string) => string): string {
  if (topic.endsWith('/notify')) {
    const lists = Object.entries(payload.jobs as Record<string, Array<{ jobId: string }>>).map(([status, list]) => `${status}:${list.map((j) => short(j.jobId)).join(',')}`);
    return `notify ${lists.join(' ') || '(empty)'}`;
  }
  if (topic.endsWith('/notify-next')) {
    const e = payload.execution;
    return e ? `notify-next ${short(e.jobId)} ${e.status} v${e.versionNumber}` : 'notify-next (none)';
  }
  const [, kind, jobId, operation] = /^\$aws\/events\/(job|jobExecution)\/([^/]+)\/(.+)$/.exec(topic)!;
  return `${kind}/${short(jobId!)}/${operation} ${payload.status}${payload.statusDetails ? ` ${JSON.stringify(payload.statusDetails)}` : ''}`;
}

describe('the same announcements from either device adapter', () => {
  let ts: TestServer;
  let observer: { client: MqttClient; box: Inbox };

  before(async () => {
    ts = await startTestServer();
    const iot = ts.iot();
    await createPolicy(iot, 'miso-both', bothProtocolsPolicy(ts));
    const arn = (rest: string) => `arn:aws:iot:${ts.endpoints.region}:${ts.endpoints.accountId}:${rest}`;
    const observerPolicy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'iot:Connect', Resource: arn('client/observer') },
        { Effect: 'Allow', Action: 'iot:Subscribe', Resource: [arn('topicfilter/$aws/events/*'), arn('topicfilter/observer/flush')] },
        { Effect: 'Allow', Action: ['iot:Receive'], Resource: [arn('topic/$aws/events/*'), arn('topic/observer/flush')] },
        { Effect: 'Allow', Action: ['iot:Publish'], Resource: arn('topic/observer/flush') },
      ],
    });
    await createPolicy(iot, 'observer', observerPolicy);
    const creds = await provisionThing(iot, 'observer', 'observer', { ec: true });
    observer = await connectWithInbox(ts, creds, 'observer');
    await subscribe(observer.client, ['$aws/events/#', 'observer/flush']);
  });
  after(async () => {
    await observer.client.endAsync();
    await ts.close();
  });

  for (const adapter of ['mqtt', 'https'] as const) {
    describe(`over ${adapter}`, () => {
      CASES.forEach((c, index) => {
        test(c.name, async () => {
          const thing = `miso_${adapter}_${index}`;
          const creds = await provisionNamedDevice(ts.iot(), thing, 'miso-both');
          const device = await JobsDevice.connect(ts, thing, creds);
          try {
            const actor = ADAPTERS[adapter](ts, device, certificateClient(ts, creds));
            const jobId = (short: string) => `${adapter}-${index}-${short}`;
            const short = (id: string) => id.slice(`${adapter}-${index}-`.length);
            const quiet = async () => {
              await ts.server.ctx.services.jobs.settled();
              await device.accepted('get'); // a round trip on the device's connection: what was published to it has arrived
              await flush(observer.client, observer.client, 'observer/flush');
            };
            for (const j of c.jobs) await createJob(ts, { jobId: jobId(j), things: [thing], document: JSON.stringify({ operation: 'noop', job: j }) });
            await quiet();
            const deviceFrom = device.inbox.all.length;
            const eventsFrom = observer.box.all.length;

            for (const step of c.steps) {
              if (step.op === 'start-next') await actor.startNext();
              else assert.equal(await actor.update(jobId(step.job), step.status, step.statusDetails), !step.refused, JSON.stringify(step));
              await actor.barrier();
            }
            await quiet();

            const heard = device.inbox.all.slice(deviceFrom).filter((m) => /\/notify(-next)?$/.test(m.topic));
            const events = observer.box.all.slice(eventsFrom).filter((m) => m.topic.startsWith('$aws/events/job') && m.topic.split('/')[3]!.startsWith(`${adapter}-${index}-`));
            assert.deepEqual(heard.map((m) => summarize(m.topic, JSON.parse(m.payload), short)), c.device, 'notify / notify-next on the device connection');
            assert.deepEqual(events.map((m) => summarize(m.topic, JSON.parse(m.payload), short)), c.events, '$aws/events');
          } finally {
            await device.end();
          }
        });
      });
    });
  }
});
