/**
 * Announcements as MQTT publications (aws-wire-protocols.md §1.5, §1.1):
 * notify and notify-next to a thing's subscribers, and the jobs events under
 * `$aws/events/…` for operators' tools. Sent at QoS 1, so a persistent
 * session that is offline gets them when it returns (receivers' grants cap it).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import type { DeviceMessaging } from '../../mqtt/device-messaging.js';
import type { JobsAnnouncement } from '../changes.js';
import { pendingLists } from '../device.js';
import type { Job } from '../job.js';
import type { PendingChange } from '../pending.js';
import type { JobsService } from '../service.js';
import type { JobExecution } from '../types.js';
import { executionPayload, seconds, summaryPayload } from './payloads.js';

export interface NotifierDeps {
  messaging: DeviceMessaging;
  jobs: JobsService;
  clock: Clock;
  logger: Logger;
  thingArn: (thingName: string) => string;
}

export function notifier(deps: NotifierDeps): (a: JobsAnnouncement) => Promise<void> {
  return async (a) => {
    if (a.kind === 'pending') await pendingChanged(deps, a.change);
    else if (a.kind === 'execution-event') await publish(deps, `$aws/events/jobExecution/${a.execution.jobId}/${a.operation}`, executionEvent(deps, a.operation, a.execution));
    else await publish(deps, `$aws/events/job/${a.job.jobId}/${a.operation}`, jobEvent(deps, a.operation, a.job));
  };
}

const publish = (deps: NotifierDeps, topic: string, payload: object) => deps.messaging.publish({ topic, payload, qos: 1 });

async function pendingChanged(deps: NotifierDeps, change: PendingChange): Promise<void> {
  const prefix = `$aws/things/${change.thingName}/jobs`;
  if (change.listChanged) {
    // §1.5: keys omitted when empty; `"jobs":{}` when nothing is pending.
    const lists = pendingLists(change.pending);
    const jobs = {
      ...(lists.inProgress.length > 0 ? { IN_PROGRESS: lists.inProgress.map(summaryPayload) } : {}),
      ...(lists.queued.length > 0 ? { QUEUED: lists.queued.map(summaryPayload) } : {}),
    };
    await publish(deps, `${prefix}/notify`, { timestamp: seconds(deps.clock.now()), jobs });
  }
  if (change.nextChanged) await publish(deps, `${prefix}/notify-next`, await nextPayload(deps, change.pending[0]));
}

/** §1.5: the new head with its document (fresh links) and without thingName; `{timestamp}` alone when none is left. */
async function nextPayload(deps: NotifierDeps, head: JobExecution | undefined): Promise<object> {
  const timestamp = seconds(deps.clock.now());
  if (!head) return { timestamp };
  try {
    const delivered = await deps.jobs.deliverNext(head);
    if (!delivered) return { timestamp };
    return { timestamp, execution: executionPayload(delivered, deps.clock.now(), { withThingName: false }) };
  } catch (error) {
    // A role that can no longer sign: the device still learns which job is next and gets the
    // document (and the error) when it asks for it.
    deps.logger.warn({ err: error, jobId: head.jobId, thingName: head.thingName }, 'notify-next without the job document: rendering it failed');
    return { timestamp, execution: executionPayload({ execution: head }, deps.clock.now(), { withThingName: false }) };
  }
}

/** `$aws/events/jobExecution/{jobId}/{operation}` (the developer guide's "Jobs events"). */
function executionEvent(deps: NotifierDeps, operation: string, e: JobExecution) {
  return {
    eventType: 'JOB_EXECUTION',
    eventId: randomUUID(),
    timestamp: seconds(deps.clock.now()),
    operation,
    jobId: e.jobId,
    thingArn: deps.thingArn(e.thingName),
    status: e.status,
    ...(Object.keys(e.statusDetails).length > 0 ? { statusDetails: { ...e.statusDetails } } : {}),
  };
}

/** `$aws/events/job/{jobId}/{operation}`: times in epoch ms and the counters, as the guide's examples show. */
function jobEvent(deps: NotifierDeps, operation: string, job: Job) {
  const c = job.counters;
  return {
    eventType: 'JOB',
    eventId: randomUUID(),
    timestamp: seconds(deps.clock.now()),
    operation,
    jobId: job.jobId,
    status: operation === 'deleted' ? 'DELETED' : job.status,
    targetSelection: job.targetSelection,
    targets: job.targets,
    ...(job.description !== undefined ? { description: job.description } : {}),
    ...(job.completedAtMs !== undefined ? { completedAt: job.completedAtMs } : {}),
    createdAt: job.createdAtMs,
    lastUpdatedAt: job.lastUpdatedAtMs,
    ...(job.comment !== undefined ? { comment: job.comment } : {}),
    jobProcessDetails: {
      numberOfCanceledThings: c.numberOfCanceledThings,
      numberOfRejectedThings: c.numberOfRejectedThings,
      numberOfFailedThings: c.numberOfFailedThings,
      numberOfRemovedThings: c.numberOfRemovedThings,
      numberOfSucceededThings: c.numberOfSucceededThings,
      numberOfTimedOutThings: c.numberOfTimedOutThings,
    },
  };
}
