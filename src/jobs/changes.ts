/**
 * What a unit of work changed, to announce once it has committed: changes to
 * things' pending lists (→ notify / notify-next), executions reaching a
 * terminal state or deleted, jobs completed / canceled / deleted (→ events).
 */
import type { Job } from './job.js';
import { pendingAfter, pendingChange, pendingWithout, type PendingChange } from './pending.js';
import { isTerminal } from './state-machine.js';
import type { JobExecution } from './types.js';

export type ExecutionEventOperation = 'succeeded' | 'failed' | 'rejected' | 'canceled' | 'timed_out' | 'removed' | 'deleted';
export type JobEventOperation = 'completed' | 'canceled' | 'deleted';

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
    if (isTerminal(next.status) && (prev === undefined || !isTerminal(prev.status))) {
      this.events.push({ kind: 'execution-event', operation: next.status.toLowerCase() as ExecutionEventOperation, execution: next });
    }
  }

  /** One execution removed from the database (DeleteJobExecution, DeleteJob). */
  deleted(exec: JobExecution): void {
    this.now.set(exec.thingName, pendingWithout(this.pendingOf(exec.thingName), exec));
    this.events.push({ kind: 'execution-event', operation: 'deleted', execution: exec });
  }

  /** One execution removed with its whole job (DeleteJob): its thing's list changes, no event of its own. */
  vanished(exec: JobExecution): void {
    this.now.set(exec.thingName, pendingWithout(this.pendingOf(exec.thingName), exec));
  }

  job(operation: JobEventOperation, job: Job): void {
    this.events.push({ kind: 'job-event', operation, job });
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

  private pendingOf(thingName: string): JobExecution[] {
    const list = this.now.get(thingName);
    if (!list) throw new Error(`jobs: the pending list of ${thingName} was not tracked before changing it`);
    return list;
  }
}
