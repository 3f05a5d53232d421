/**
 * The jobs service: the operator's operations (the IoT control plane), the
 * device's (one set for both device protocols: the Jobs MQTT API and the
 * HTTPS data plane call the same functions), the scheduler that fires stored
 * timers, and announcements after each commit, made through the JobsAnnouncer
 * interface (the broker adapter turns them into notify, notify-next and
 * events). Protocol-free.
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { IamService } from '../iam/service.js';
import type { Principal } from '../iam/principal.js';
import type { ObjectStore } from '../objects/index.js';
import type { Registry } from '../registry/index.js';
import type { Page } from '../registry/paging.js';
import type { Store } from '../store/db.js';
import { tell, type JobsAnnouncer } from './announcer.js';
import type { Changes, JobsAnnouncement } from './changes.js';
import { cancelExecution, cancelJob, deleteExecution, markJobDeleted, purgeJob, type CancelExecutionInput, type CancelJobInput } from './control.js';
import { createJob, type CreateDeps, type CreateJobInput } from './create.js';
import { associateTargets, followMembership } from './continuous.js';
import { Delivery } from './delivery.js';
import {
  describeForDevice,
  pendingForDevice,
  shownPending,
  startNextForDevice,
  updateFromDevice,
  type DeviceOutcome,
  type DeviceUpdate,
  type ExecutionWithJob,
  type PendingLists,
} from './device.js';
import type { DeliveredExecution, Job, JobSummary } from './job.js';
import { describeExecution, describeJob, listExecutionsForJob, listExecutionsForThing, listJobs, type ListExecutionsFilter, type ListForThingFilter, type ListJobsFilter } from './listing.js';
import { removeThingExecutions } from './removal.js';
import { pacerInputOf } from './rollout.js';
import { rolloutState, type RolloutState } from './rollout-state.js';
import { countByStatus, findJob, pendingOfMany, thingsChangedSince } from './queries.js';
import { jobOf } from './rows.js';
import type { StartNextRequest } from './state-machine.js';
import { claimDueTimeouts, jobsBeingDeleted, releaseTimer, timeOut } from './timers.js';
import { claimDueRollouts, stepRollout } from './rollout.js';
import { updateJob, type UpdateJobInput } from './update.js';
import { createJobTemplate, deleteJobTemplate, describeJobTemplate, listJobTemplates, type CreateJobTemplateInput, type JobTemplate, type JobTemplateSummary } from './templates.js';
import type { JobExecution } from './types.js';
import type { EngineDeps } from './unit.js';
import type { HistorySink } from '../history/events.js';

export interface JobsServiceDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  registry: Registry;
  iam: IamService;
  objects: ObjectStore;
  /** How often the scheduler looks for due timers (real time; tests call tick()). */
  tickIntervalMs?: number;
  /** Who claims timers (the node id) and for how long (cluster.leaseSeconds). */
  timers?: { owner: string; leaseMs: number };
  /** The account's job concurrency quota (concurrency.ts). */
  maxConcurrentJobs?: number | undefined;
  /** The event history: every committed transition, and each presigned link issued. */
  history?: HistorySink | undefined;
  /** Work one node of a cluster does at a time (finishing interrupted deletions). */
  singleton?: { run(work: () => Promise<void>): Promise<boolean> };
}

/** A device operation's result and the announcements its commit owes (sent after the reply). */
export interface Announced<T> {
  value: T;
  announce(): Promise<void>;
}

const TIMEOUTS_PER_TICK = 500;
const ROLLOUTS_PER_TICK = 100;

export class JobsService {
  private readonly engine: EngineDeps;
  private readonly delivery: Delivery;
  private readonly announcers: JobsAnnouncer[] = [];
  private s3Origins: () => string[] = () => [];
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopFeed: (() => void) | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly deps: JobsServiceDeps) {
    this.engine = { db: deps.store.db, dialect: deps.store.dialect, clock: deps.clock, maxConcurrentJobs: deps.maxConcurrentJobs, history: deps.history };
    this.delivery = new Delivery((r) => deps.iam.presignGetAsRole(r), () => this.s3Origins(), deps.history);
    deps.registry.tags.registerType('job', async (jobId) => (await findJob(deps.store.db, jobId)) !== undefined);
    deps.registry.tags.registerType('jobtemplate', async (id) => (await deps.store.db.selectFrom('job_templates').select('template_id').where('template_id', '=', id).executeTakeFirst()) !== undefined);
  }

  /** Ferry's own S3 origins (the advertised endpoint and its other names), known once the listeners are up. */
  useS3Origins(origins: () => string[]): void {
    this.s3Origins = origins;
  }

  /** Tells `announcer` of every change once it is committed; returns the function that stops it. */
  announceTo(announcer: JobsAnnouncer): () => void {
    this.announcers.push(announcer);
    return () => {
      const i = this.announcers.indexOf(announcer);
      if (i >= 0) this.announcers.splice(i, 1);
    };
  }

  // ---- lifecycle ----

  /** Fires due timers now and then, finishes interrupted deletions, and removes deleted things' executions. */
  start(): void {
    const stopDeleted = this.deps.registry.feed.on('thing-deleted', async ({ thingName }) => {
      for (const changes of await removeThingExecutions(this.engine, thingName)) await this.announce(changes);
    });
    // Continuous jobs follow their groups: committed before the membership change answers, announced after.
    const stopMembership = this.deps.registry.feed.on('thing-group-membership', async ({ thingName }) => {
      for (const changes of await followMembership(this.purgeDeps(), thingName)) this.track(this.announce(changes));
    });
    this.stopFeed = () => {
      stopDeleted();
      stopMembership();
    };
    this.timer = setInterval(() => void this.tick(), this.deps.tickIntervalMs ?? 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopFeed?.();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
    await this.settled();
  }

  /**
   * Resolves once every announcement begun so far is out: those of bulk
   * operations (CreateJob, CancelJob, DeleteJob), sent in the background, and
   * those a device operation's caller sends after its reply.
   */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** One scheduler pass by the clock: due timeouts fire, interrupted deletions finish. One pass at a time. */
  async tick(): Promise<void> {
    while (this.ticking) await this.ticking;
    this.ticking = this.runTick().finally(() => {
      this.ticking = undefined;
    });
    return this.ticking;
  }

  private async runTick(): Promise<void> {
    try {
      const { db, dialect } = this.deps.store;
      const { owner, leaseMs } = this.deps.timers ?? { owner: 'local', leaseMs: 30_000 };
      const claimed = await claimDueTimeouts(db, dialect, { nowMs: this.deps.clock.now(), limit: TIMEOUTS_PER_TICK, owner, leaseMs });
      for (const key of claimed) {
        await this.announce((await timeOut(this.engine, key)).changes);
        await releaseTimer(db, key, owner);
      }
      const due = await claimDueRollouts(db, dialect, { nowMs: this.deps.clock.now(), limit: ROLLOUTS_PER_TICK, owner, leaseMs });
      for (const jobId of due) await this.announce((await stepRollout(this.engine, jobId)).changes);
      const finishDeletions = async () => {
        for (const jobId of await jobsBeingDeleted(db)) await this.announce((await purgeJob(this.purgeDeps(), jobId)).changes);
      };
      await (this.deps.singleton ? this.deps.singleton.run(finishDeletions) : finishDeletions());
    } catch (error) {
      this.deps.logger.error({ err: error }, 'jobs scheduler pass failed');
    }
  }

  // ---- the operator's side (IoT control plane) ----

  /** The job is committed before the answer; its thousands of notifications may follow it (settled()). */
  async createJob(principal: Principal, input: CreateJobInput): Promise<Job> {
    return this.announcedLater(createJob(this.createDeps(), principal, input));
  }

  /** AssociateTargetsWithJob (continuous jobs): the new targets' things are notified after the answer. */
  associateTargets(jobId: string, targets: string[], comment?: string): Promise<Job> {
    return this.announcedLater(associateTargets(this.purgeDeps(), jobId, targets, comment));
  }

  // ---- job templates (templates.ts, managed-templates.ts) ----

  createJobTemplate(principal: Principal, input: CreateJobTemplateInput): Promise<JobTemplate> {
    return createJobTemplate(this.createDeps(), principal, input);
  }

  describeJobTemplate(templateId: string): Promise<JobTemplate> {
    return describeJobTemplate(this.engine, templateId);
  }

  listJobTemplates(page: { limit?: number | undefined; token?: string | undefined }): Promise<Page<JobTemplateSummary>> {
    return listJobTemplates(this.engine, page);
  }

  deleteJobTemplate(templateId: string): Promise<void> {
    return deleteJobTemplate({ ...this.engine, registry: this.deps.registry }, templateId);
  }

  describeJob(jobId: string): Promise<Job> {
    return describeJob(this.deps.store.db, jobId);
  }

  listJobs(filter: ListJobsFilter): Promise<Page<JobSummary>> {
    return listJobs(this.deps.store.db, filter);
  }

  /** UpdateJob: the changed configurations apply from the pacer's next minute, a new timeout to executions started afterwards. */
  updateJob(jobId: string, input: UpdateJobInput): Promise<Job> {
    return this.announced(updateJob(this.createDeps(), jobId, input));
  }

  cancelJob(jobId: string, input: CancelJobInput): Promise<Job> {
    return this.announcedLater(cancelJob(this.engine, jobId, input));
  }

  /** DeleteJob: marked DELETION_IN_PROGRESS, then purged before answering (the scheduler finishes it after a crash). */
  async deleteJob(jobId: string, force: boolean): Promise<void> {
    await this.announced(markJobDeleted(this.engine, jobId, force));
    await this.announcedLater(purgeJob(this.purgeDeps(), jobId));
  }

  describeExecution(jobId: string, thingName: string, executionNumber?: number): Promise<JobExecution> {
    return describeExecution(this.deps.store.db, jobId, thingName, executionNumber);
  }

  listExecutionsForJob(jobId: string, filter: ListExecutionsFilter): Promise<Page<JobExecution>> {
    return listExecutionsForJob(this.deps.store.db, jobId, filter);
  }

  listExecutionsForThing(thingName: string, filter: ListForThingFilter): Promise<Page<JobExecution>> {
    return listExecutionsForThing(this.deps.store.db, thingName, filter);
  }

  cancelExecution(jobId: string, thingName: string, input: CancelExecutionInput): Promise<void> {
    return this.announced(cancelExecution(this.engine, jobId, thingName, input));
  }

  deleteExecution(jobId: string, thingName: string, executionNumber: number, force: boolean): Promise<void> {
    return this.announced(deleteExecution(this.engine, jobId, thingName, executionNumber, force));
  }

  // ---- the device's side ----

  pending(thingName: string): Promise<PendingLists> {
    return pendingForDevice(this.deps.store.db, thingName, this.deps.clock.now());
  }

  /** What `notify` shows of a thing's pending list now: the same executions GetPendingJobExecutions lists. */
  shownPending(pending: readonly JobExecution[]): Promise<PendingLists> {
    return shownPending(this.deps.store.db, pending, this.deps.clock.now());
  }

  async startNext(thingName: string, request: StartNextRequest): Promise<Announced<DeviceOutcome<DeliveredExecution | undefined>>> {
    const { value, changes } = await startNextForDevice(this.engine, thingName, request);
    const delivered = value.ok ? { ok: true as const, value: value.value && (await this.deliver(value.value, true)) } : value;
    return this.later(delivered, changes);
  }

  /** DescribeJobExecution for a device (jobId or `$next`); undefined when `$next` finds nothing pending. */
  async describeForDevice(thingName: string, jobId: string, options: { executionNumber?: number | undefined; includeJobDocument: boolean }): Promise<DeliveredExecution | undefined> {
    const found = await describeForDevice(this.deps.store.db, thingName, jobId, options.executionNumber);
    return found && this.deliver(found, options.includeJobDocument);
  }

  async update(thingName: string, jobId: string, request: DeviceUpdate, options: { includeJobDocument: boolean }): Promise<Announced<DeviceOutcome<DeliveredExecution>>> {
    const { value, changes } = await updateFromDevice(this.engine, thingName, jobId, request);
    const delivered = value.ok ? { ok: true as const, value: await this.deliver(value.value, options.includeJobDocument) } : value;
    return this.later(delivered, changes);
  }

  /** The execution at the head of a pending list, as notify-next carries it (document rendered for this delivery). */
  async deliverNext(execution: JobExecution): Promise<DeliveredExecution | undefined> {
    const row = await findJob(this.deps.store.db, execution.jobId);
    if (!row) return undefined;
    return this.deliver({ execution, job: jobOf(row) }, true);
  }

  /** The rollout as a live job page shows it, at the clock's time: rate now, next notification, abort distance. */
  async rolloutStateOf(jobId: string): Promise<RolloutState | undefined> {
    const row = await findJob(this.deps.store.db, jobId);
    if (!row || (row.status !== 'IN_PROGRESS' && row.status !== 'SCHEDULED')) return undefined;
    const attempts = { SUCCEEDED: row.n_succeeded, FAILED: row.n_failed, REJECTED: row.n_rejected, TIMED_OUT: row.n_timed_out };
    return rolloutState({ ...(await pacerInputOf(this.deps.store.db, row)), abortCriteria: jobOf(row).abortCriteria, attempts }, this.deps.clock.now());
  }

  /** Things' pending lists as they are now (a node rendering notifications another node's change caused). */
  pendingLists(thingNames: readonly string[]): Promise<Map<string, JobExecution[]>> {
    return pendingOfMany(this.deps.store.db, thingNames);
  }

  /** Which of these things had an execution change at or after `sinceMs` (catching up after a gap in the bus). */
  thingsChangedSince(thingNames: readonly string[], sinceMs: number): Promise<string[]> {
    return thingsChangedSince(this.deps.store.db, thingNames, sinceMs);
  }

  /** Jobs, or executions, of each status (metrics). */
  countByStatus(of: 'jobs' | 'executions'): Promise<Record<string, number>> {
    return countByStatus(this.deps.store.db, of);
  }

  /** A job's document as a device gets it this time (fresh presigned links). */
  renderDocument(job: Job): Promise<unknown> {
    return this.delivery.render(job);
  }

  // ---- plumbing ----

  private async deliver(found: ExecutionWithJob, withDocument: boolean): Promise<DeliveredExecution> {
    return withDocument ? { execution: found.execution, document: await this.delivery.render(found.job, found.execution) } : { execution: found.execution };
  }

  private async announced<T>(work: Promise<{ value: T; changes: Changes }>): Promise<T> {
    const { value, changes } = await work;
    await this.announce(changes);
    return value;
  }

  /** Committed work whose announcements go out in the background (bulk operations: one per targeted thing). */
  private async announcedLater<T>(work: Promise<{ value: T; changes: Changes }>): Promise<T> {
    const { value, changes } = await work;
    // After a turn of the event loop, so the reply goes out first: preparing thousands of
    // notifications runs without yielding until each reaches the broker.
    this.track(new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.announce(changes)));
    return value;
  }

  /** A device operation's result; its caller sends the announcements once it has answered. */
  private later<T>(value: T, changes: Changes): Announced<T> {
    return { value, announce: () => this.track(this.announce(changes)) };
  }

  private track(sending: Promise<void>): Promise<void> {
    const tracked = sending.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
    return tracked;
  }

  /**
   * Every thing's pending-list change at once (the announcer spreads the work), then the events in order.
   * Over a copy of the list: an announcer that stops listening while told must not make the next one miss it.
   */
  private async announce(changes: Changes): Promise<void> {
    const all = changes.announcements();
    const pending = all.flatMap((a) => (a.kind === 'pending' ? [a.change] : []));
    if (pending.length > 0) {
      for (const announcer of [...this.announcers]) await this.guarded('pending', () => announcer.pendingChanged(pending));
    }
    for (const announcement of all) {
      if (announcement.kind === 'pending') continue;
      for (const announcer of [...this.announcers]) await this.guarded(announcement.kind, () => tell(announcer, announcement));
    }
  }

  private async guarded(kind: JobsAnnouncement['kind'], work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.deps.logger.error({ err: error, kind }, 'jobs announcer failed');
    }
  }

  private createDeps(): CreateDeps {
    return {
      ...this.engine,
      registry: this.deps.registry,
      presignChecks: {
        presignableRole: (arn) => this.deps.iam.presignableRole(arn),
        roleAllows: (arn, action, resource) => this.deps.iam.permissions.roleAllows(arn, action, resource),
        bucketExists: (bucket) => this.deps.objects.bucketExists(bucket),
      },
      readObject: (principal, loc) => this.deps.objects.getObject(principal, loc),
      s3Origins: () => this.s3Origins(),
    };
  }

  private purgeDeps() {
    return { ...this.engine, registry: this.deps.registry };
  }
}

export function createJobsService(deps: JobsServiceDeps): JobsService {
  return new JobsService(deps);
}
