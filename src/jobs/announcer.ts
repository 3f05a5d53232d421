/**
 * How the jobs domain tells the world what its committed changes mean. The
 * domain says what happened — "these executions changed for thing X", "this
 * execution ended", "this job completed" — and an adapter decides how to
 * publish it: the broker adapter (src/api/jobs-mqtt/) as `notify`,
 * `notify-next` and `$aws/events/…` publications; a cluster hands each
 * device's part to the node holding its connection (src/cluster/jobs-relay.ts). The domain never
 * learns which.
 *
 * Every call comes after the change's transaction has committed, whichever
 * protocol caused it (an MQTT request, an HTTPS request, the control plane, a
 * timer), so devices hear of a change the same way whatever made it.
 */
import type { ExecutionEventOperation, JobEventOperation, JobsAnnouncement } from './changes.js';
import type { Job } from './job.js';
import type { PendingChange } from './pending.js';
import type { JobExecution } from './types.js';

export interface JobsAnnouncer {
  /**
   * Things' pending executions changed (all those one unit of work changed, at
   * once): for each, which joined or left the list, whether the head is another.
   */
  pendingChanged(changes: readonly PendingChange[]): Promise<void>;
  /** An execution reached a terminal status, or was deleted. */
  executionEvent(operation: ExecutionEventOperation, execution: JobExecution): Promise<void>;
  /** A job completed, was canceled or was deleted. */
  jobEvent(operation: JobEventOperation, job: Job): Promise<void>;
}

/** Hands one announcement to the announcer method that takes it. */
export function tell(announcer: JobsAnnouncer, a: JobsAnnouncement): Promise<void> {
  switch (a.kind) {
    case 'pending':
      return announcer.pendingChanged([a.change]);
    case 'execution-event':
      return announcer.executionEvent(a.operation, a.execution);
    case 'job-event':
      return announcer.jobEvent(a.operation, a.job);
  }
}
