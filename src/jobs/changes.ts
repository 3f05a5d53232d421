/**
 * What a unit of work changed, to announce once it has committed: changes to
 * things' pending lists (→ notify / notify-next), executions reaching a
 * terminal state or deleted, jobs completed / canceled / deleted (→ events).
 */
import type { NewHistoryEvent } from '../history/events.js';
import type { Job } from './job.js';
import { pendingAfter, pendingChange, pendingWithout, type PendingChange } from './pending.js';
import { isTerminal } from './state-machine.js';
import type { JobExecution } from './types.js';

export type ExecutionEventOperation = 'succeeded' | 'failed' | 'rejected' | 'canceled' | 'timed_out' | 'removed' | 'deleted';
export type JobEventOperation = 'completed' | 'canceled' | 'deleted';
/** Recorded in the event history, besides the operations announced. */
type JobHistoryOperation = JobEventOperation | 'created';

export type JobsAnnouncement =
  | { kind: 'pending'; change: PendingChange }
  /** aws-wire-protocols.md §1.1: `$aws/events/jobExecution/{jobId}/{operation}`. */
  | { kind: 'execution-event'; operation: ExecutionEventOperation; execution: JobExecution }
  /** `$aws/events/job/{jobId}/{operation}`. */
  | { kind: 'job-event'; operation: JobEventOperation; job: Job };

export class Changes {
  private readonly before = new Map<string, JobExecution[]>();
  private readonly now = new Map<string, JobExecution[]>();
  private readonly events: JobsAnnouncement[] = [];
  /** The event history's records of this unit (written once it has committed). */
  readonly history: NewHistoryEvent[] = [];

  /** True once the thing's pending list as it was before this unit of work is known. */
  knows(thingName: string): boolean {
    return this.before.has(thingName);
  }

  /** Records the thing's pending list before any change (read inside the transaction). */
  track(thingName: string, pending: JobExecution[]): void {
    if (this.before.has(thingName)) return;
    this.before.set(thingName, pending);
    this.now.set(thingName, pending);
  }

  /** One execution's new state (track its thing first). */
  changed(prev: JobExecution | undefined, next: JobExecution): void {
    this.now.set(next.thingName, pendingAfter(this.pendingOf(next.thingName), next));
    this.recordTransition(prev, next);
    if (isTerminal(next.status) && (prev === undefined || !isTerminal(prev.status))) {
      this.events.push({ kind: 'execution-event', operation: next.status.toLowerCase() as ExecutionEventOperation, execution: next });
    }
  }

  /** One execution removed from the database (DeleteJobExecution, DeleteJob). */
  deleted(exec: JobExecution): void {
    this.now.set(exec.thingName, pendingWithout(this.pendingOf(exec.thingName), exec));
    this.events.push({ kind: 'execution-event', operation: 'deleted', execution: exec });
    this.history.push({ kind: 'execution.deleted', ...executionKeys(exec), details: { status: exec.status } });
  }

  /** One execution removed with its whole job (DeleteJob): its thing's list changes, no event of its own. */
  vanished(exec: JobExecution): void {
    this.now.set(exec.thingName, pendingWithout(this.pendingOf(exec.thingName), exec));
  }

  job(operation: JobEventOperation, job: Job): void {
    this.events.push({ kind: 'job-event', operation, job });
    this.jobHistory(operation, job);
  }

  /** A job's own history record (created is recorded, not announced: AWS has no such event). */
  jobHistory(operation: JobHistoryOperation, job: Job): void {
    this.history.push({ kind: `job.${operation}`, jobId: job.jobId, details: { status: job.status, ...(job.targetSelection ? { targetSelection: job.targetSelection } : {}) } });
  }

  /** Everything to announce, pending-list changes first (a device hears of its work before the operators' events). */
  announcements(): JobsAnnouncement[] {
    const out: JobsAnnouncement[] = [];
    for (const [thing, before] of this.before) {
      const change = pendingChange(thing, before, this.now.get(thing) ?? before);
      if (change) out.push({ kind: 'pending', change });
    }
    return [...out, ...this.events];
  }

  /** Queued, notified (the rollout reached the thing), and every change of status. */
  private recordTransition(prev: JobExecution | undefined, next: JobExecution): void {
    const keys = executionKeys(next);
    if (prev === undefined) this.history.push({ kind: 'execution.QUEUED', ...keys, details: next.retryAttempt > 0 ? { retryAttempt: next.retryAttempt } : {} });
    if (prev?.notifiedAtMs === undefined && next.notifiedAtMs !== undefined) this.history.push({ kind: 'execution.notified', ...keys });
    if (prev !== undefined && prev.status !== next.status) {
      const details: Record<string, unknown> = { from: prev.status };
      if (Object.keys(next.statusDetails).length > 0) details.statusDetails = next.statusDetails;
      if (next.forceCanceled) details.force = true;
      this.history.push({ kind: `execution.${next.status}`, ...keys, details });
    }
  }

  private pendingOf(thingName: string): JobExecution[] {
    const list = this.now.get(thingName);
    if (!list) throw new Error(`jobs: the pending list of ${thingName} was not tracked before changing it`);
    return list;
  }
}

const executionKeys = (e: JobExecution) => ({ thingName: e.thingName, jobId: e.jobId, executionNumber: e.executionNumber });
