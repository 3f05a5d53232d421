/**
 * A thing's pending job executions (QUEUED or IN_PROGRESS) and what a change
 * to them means for the device (aws-wire-protocols.md §1.3–§1.5). Pure.
 */
import { isTerminal } from './state-machine.js';
import type { JobExecution } from './types.js';

/** IN_PROGRESS first, then QUEUED, each in the order queued (§1.3 "creation order", §1.5). */
export function sortPending(list: readonly JobExecution[]): JobExecution[] {
  const rank = (e: JobExecution) => (e.status === 'IN_PROGRESS' ? 0 : 1);
  return [...list].sort((a, b) => rank(a) - rank(b) || a.queuedAtMs - b.queuedAtMs || (a.jobId < b.jobId ? -1 : a.jobId > b.jobId ? 1 : 0));
}

const sameExecution = (a: JobExecution, b: JobExecution) => a.jobId === b.jobId && a.executionNumber === b.executionNumber;

/** Whether the device sees the execution: pending, and reached by the rollout (a thing not rolled out to sees nothing of the job). */
export const visiblePending = (e: JobExecution): boolean => !isTerminal(e.status) && e.notifiedAtMs !== undefined;

/** The pending list once `changed` (the new state of one execution of this thing) is applied. */
export function pendingAfter(before: readonly JobExecution[], changed: JobExecution): JobExecution[] {
  const rest = before.filter((e) => !sameExecution(e, changed));
  return sortPending(visiblePending(changed) ? [...rest, changed] : rest);
}

/** The same, with one execution gone altogether (DeleteJobExecution, DeleteJob). */
export function pendingWithout(before: readonly JobExecution[], gone: { jobId: string; executionNumber: number }): JobExecution[] {
  return before.filter((e) => !(e.jobId === gone.jobId && e.executionNumber === gone.executionNumber));
}

/** What a device is told about a change to its thing's pending list. */
export interface PendingChange {
  thingName: string;
  /** The pending list after the change, in order. */
  pending: JobExecution[];
  /** An execution joined or left the list: `notify` goes out (§1.5). */
  listChanged: boolean;
  /** Which execution is next changed: `notify-next` goes out (§1.5). */
  nextChanged: boolean;
}

/**
 * §1.5: notify when an execution is added to or removed from the pending list
 * (a status change that keeps it pending, e.g. QUEUED → IN_PROGRESS, publishes
 * nothing, as the developer guide's example shows); notify-next only when the
 * head of the list is another execution than before.
 */
export function pendingChange(thingName: string, before: readonly JobExecution[], after: JobExecution[]): PendingChange | undefined {
  const key = (e: JobExecution) => `${e.jobId}#${e.executionNumber}`;
  const was = new Set(before.map(key));
  const listChanged = before.length !== after.length || after.some((e) => !was.has(key(e)));
  const headBefore = before[0];
  const headAfter = after[0];
  const nextChanged = headBefore === undefined || headAfter === undefined ? headBefore !== headAfter : !sameExecution(headBefore, headAfter);
  if (!listChanged && !nextChanged) return undefined;
  return { thingName, pending: after, listChanged, nextChanged };
}
