/**
 * The Jobs device APIs' JSON shapes, the same on MQTT (aws-wire-protocols.md
 * §1.4, §1.5) and HTTPS (the iot-jobs-data-plane Smithy model's JobExecution,
 * JobExecutionSummary, JobExecutionState): integer epoch-second times,
 * statusDetails omitted when empty, approximateSecondsBeforeTimedOut only
 * while a timer runs. The one difference is the document: an object on MQTT,
 * a JSON string on HTTPS (the model's `jobDocument: String`).
 */
import type { DeliveredExecution } from '../../jobs/job.js';
import { approximateSecondsBeforeTimedOut, isTerminal } from '../../jobs/state-machine.js';
import type { JobExecution } from '../../jobs/types.js';

/** Real MQTT traffic carries integer epoch seconds (§1.2); the model documents seconds since the epoch. */
export const seconds = (ms: number): number => Math.floor(ms / 1000);

const details = (d: Record<string, string>) => (Object.keys(d).length > 0 ? { statusDetails: { ...d } } : {});

export interface ExecutionShapeOptions {
  /** notify-next leaves thingName out (§1.4, CAP-2). */
  withThingName: boolean;
  /** 'object' on MQTT; 'json' (a string) on HTTPS. */
  document: 'object' | 'json';
}

/** A document as a protocol carries it. */
export const documentAs = (document: unknown, form: ExecutionShapeOptions['document']): unknown => (form === 'json' ? JSON.stringify(document) : document);

/** JobExecution. */
export function executionShape(delivered: DeliveredExecution, nowMs: number, opts: ExecutionShapeOptions) {
  const e = delivered.execution;
  const remaining = isTerminal(e.status) ? undefined : approximateSecondsBeforeTimedOut(e, nowMs);
  return {
    jobId: e.jobId,
    ...(opts.withThingName ? { thingName: e.thingName } : {}),
    ...(delivered.document !== undefined ? { jobDocument: documentAs(delivered.document, opts.document) } : {}),
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

/** JobExecutionSummary. */
export function summaryShape(e: JobExecution) {
  return {
    jobId: e.jobId,
    queuedAt: seconds(e.queuedAtMs),
    ...(e.startedAtMs !== undefined ? { startedAt: seconds(e.startedAtMs) } : {}),
    lastUpdatedAt: seconds(e.lastUpdatedAtMs),
    versionNumber: e.versionNumber,
    executionNumber: e.executionNumber,
  };
}

/** JobExecutionState (UpdateJobExecution's executionState; the state a refused update carries). */
export function stateShape(e: JobExecution) {
  return { status: e.status, ...details(e.statusDetails), versionNumber: e.versionNumber };
}
