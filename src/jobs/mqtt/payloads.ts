/**
 * The Jobs MQTT API's JSON shapes (aws-wire-protocols.md §1.2, §1.4, §1.5):
 * integer epoch-second timestamps, jobDocument as a JSON object, statusDetails
 * omitted when empty, approximateSecondsBeforeTimedOut only while a timer runs.
 */
import type { DeliveredExecution } from '../job.js';
import { approximateSecondsBeforeTimedOut, isTerminal } from '../state-machine.js';
import type { JobExecution } from '../types.js';

/** §1.2: real traffic carries integer epoch seconds. */
export const seconds = (ms: number): number => Math.floor(ms / 1000);

const details = (d: Record<string, string>) => (Object.keys(d).length > 0 ? { statusDetails: { ...d } } : {});

/** JobExecution (§1.4). notify-next leaves thingName out (§1.4, CAP-2). */
export function executionPayload(delivered: DeliveredExecution, nowMs: number, opts: { withThingName: boolean }) {
  const e = delivered.execution;
  const remaining = isTerminal(e.status) ? undefined : approximateSecondsBeforeTimedOut(e, nowMs);
  return {
    jobId: e.jobId,
    ...(opts.withThingName ? { thingName: e.thingName } : {}),
    ...(delivered.document !== undefined ? { jobDocument: delivered.document } : {}),
    status: e.status,
    ...details(e.statusDetails),
    queuedAt: seconds(e.queuedAtMs),
    ...(e.startedAtMs !== undefined ? { startedAt: seconds(e.startedAtMs) } : {}),
    lastUpdatedAt: seconds(e.lastUpdatedAtMs),
    versionNumber: e.versionNumber,
    executionNumber: e.executionNumber,
    ...(remaining !== undefined ? { approximateSecondsBeforeTimedOut: remaining } : {}),
  };
}

/** JobExecutionSummary (§1.4). */
export function summaryPayload(e: JobExecution) {
  return {
    jobId: e.jobId,
    queuedAt: seconds(e.queuedAtMs),
    ...(e.startedAtMs !== undefined ? { startedAt: seconds(e.startedAtMs) } : {}),
    lastUpdatedAt: seconds(e.lastUpdatedAtMs),
    versionNumber: e.versionNumber,
    executionNumber: e.executionNumber,
  };
}

/** JobExecutionState (§1.4, §1.6). */
export function statePayload(e: JobExecution) {
  return { status: e.status, ...details(e.statusDetails), versionNumber: e.versionNumber };
}
