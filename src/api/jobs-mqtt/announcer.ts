/**
 * The broker's side of the jobs domain's JobsAnnouncer (aws-wire-protocols.md
 * §1.5, §1.1): a change to a thing's pending executions becomes `notify`
 * and/or `notify-next` to that thing's subscribers, and executions or jobs
 * ending become the jobs events under `$aws/events/…` for operators' tools.
 * Sent at QoS 1, so a persistent session that is offline gets them when it
 * returns (receivers' grants cap it). Whatever caused the change — an MQTT or
 * HTTPS request, the control plane, a timer — the publications are the same.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import type { JobsAnnouncer } from '../../jobs/announcer.js';
import type { ExecutionEventOperation, JobEventOperation } from '../../jobs/changes.js';
import type { Job } from '../../jobs/job.js';
import type { PendingChange } from '../../jobs/pending.js';
import type { JobsService } from '../../jobs/service.js';
import type { JobExecution } from '../../jobs/types.js';
import type { DeviceMessaging } from '../../mqtt/device-messaging.js';
import { executionShape, seconds, summaryShape } from '../jobs-device/shapes.js';

export interface MqttAnnouncerDeps {
  messaging: DeviceMessaging;
  jobs: JobsService;
  clock: Clock;
  logger: Logger;
  thingArn: (thingName: string) => string;
  /** Told, per thing notified, the seconds since its change was committed (metrics). */
  observeNotification?: (seconds: number) => void;
}

/**
 * How many things' notifications are prepared (documents rendered, links
 * signed) and handed to the broker at once. Each takes at least one turn of
 * the event loop (the broker's write callback), and every turn also serves the
 * devices already notified (StartNext, downloads): a bulk CreateJob's fan-out
 * gets through in fewer turns the more are in flight (the fleet benchmark:
 * notification p99 at 2,000 devices 8.1 s with 16, 1.9 s with all at once).
 * The bound keeps the rendered payloads of a very large fleet out of memory.
 */
const RENDER_CONCURRENCY = 4096;

export class MqttJobsAnnouncer implements JobsAnnouncer {
  constructor(private readonly deps: MqttAnnouncerDeps) {}

  /**
   * Publishes each thing's notify / notify-next from this node, several things
   * at once. `committedAtMs` (wall clock): when the change was committed, on
   * whichever node, for the latency metric.
   */
  async pendingChanged(changes: readonly PendingChange[], committedAtMs = Date.now()): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < changes.length) {
        const change = changes[next++]!;
        try {
          await this.notifyThing(change);
          this.deps.observeNotification?.(Math.max(0, Date.now() - committedAtMs) / 1000);
        } catch (error) {
          this.deps.logger.error({ err: error, thingName: change.thingName }, 'jobs notification failed');
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(RENDER_CONCURRENCY, changes.length) }, worker));
  }

  private async notifyThing(change: PendingChange): Promise<void> {
    const prefix = `$aws/things/${change.thingName}/jobs`;
    if (change.listChanged) {
      // §1.5: keys omitted when empty; `"jobs":{}` when nothing is pending. The same executions as `get` lists.
      const lists = await this.deps.jobs.shownPending(change.pending);
      const jobs = {
        ...(lists.inProgress.length > 0 ? { IN_PROGRESS: lists.inProgress.map(summaryShape) } : {}),
        ...(lists.queued.length > 0 ? { QUEUED: lists.queued.map(summaryShape) } : {}),
      };
      await this.publish(`${prefix}/notify`, { timestamp: seconds(this.deps.clock.now()), jobs });
    }
    if (change.nextChanged) await this.publish(`${prefix}/notify-next`, await this.nextPayload(change.pending[0]));
  }

  /** `$aws/events/jobExecution/{jobId}/{operation}` (the developer guide's "Jobs events"). */
  executionEvent(operation: ExecutionEventOperation, e: JobExecution): Promise<void> {
    return this.publish(`$aws/events/jobExecution/${e.jobId}/${operation}`, {
      eventType: 'JOB_EXECUTION',
      eventId: randomUUID(),
      timestamp: seconds(this.deps.clock.now()),
      operation,
      jobId: e.jobId,
      thingArn: this.deps.thingArn(e.thingName),
      status: e.status,
      ...(Object.keys(e.statusDetails).length > 0 ? { statusDetails: { ...e.statusDetails } } : {}),
    });
  }

  /** `$aws/events/job/{jobId}/{operation}`: times in epoch ms and the counters, as the guide's examples show. */
  jobEvent(operation: JobEventOperation, job: Job): Promise<void> {
    const c = job.counters;
    return this.publish(`$aws/events/job/${job.jobId}/${operation}`, {
      eventType: 'JOB',
      eventId: randomUUID(),
      timestamp: seconds(this.deps.clock.now()),
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
    });
  }

  private publish(topic: string, payload: object): Promise<void> {
    return this.deps.messaging.publish({ topic, payload, qos: 1 });
  }

  /** §1.5: the new head with its document (fresh links) and without thingName; `{timestamp}` alone when none is left. */
  private async nextPayload(head: JobExecution | undefined): Promise<object> {
    const { clock, jobs, logger } = this.deps;
    const timestamp = seconds(clock.now());
    if (!head) return { timestamp };
    const shape = { withThingName: false, document: 'object' } as const;
    try {
      const delivered = await jobs.deliverNext(head);
      if (!delivered) return { timestamp };
      return { timestamp, execution: executionShape(delivered, clock.now(), shape) };
    } catch (error) {
      // A role that can no longer sign: the device still learns which job is next and gets the
      // document (and the error) when it asks for it.
      logger.warn({ err: error, jobId: head.jobId, thingName: head.thingName }, 'notify-next without the job document: rendering it failed');
      return { timestamp, execution: executionShape({ execution: head }, clock.now(), shape) };
    }
  }
}
