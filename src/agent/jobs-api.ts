/**
 * What the job loop asks of the Jobs service, whichever way it is reached:
 * the Jobs MQTT API (jobs-client.ts) or the HTTPS data plane
 * (https-jobs-client.ts). Answers and refusals look the same either way: an
 * execution with its document parsed, and JobsRejected carrying the MQTT
 * API's error codes (aws-wire-protocols.md §1.6), to which the HTTPS errors
 * are mapped.
 */
import type { EventEmitter } from 'node:events';
import type { JobExecution, StatusDetails } from './types.js';

/** A request the service refused (§1.6 codes: InvalidStateTransition, ResourceNotFound, RequestThrottled…). */
export class JobsRejected extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly executionState?: { status: string; statusDetails?: StatusDetails; versionNumber?: number },
  ) {
    super(`${code}: ${message}`);
    this.name = 'JobsRejected';
  }
}

/** No answer in time (the connection dropped, the network is down, or the service is slow). */
export class JobsTimeout extends Error {
  constructor(what: string) {
    super(`no answer to ${what}`);
    this.name = 'JobsTimeout';
  }
}

export interface UpdateRequest {
  status: 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED' | 'REJECTED';
  statusDetails?: StatusDetails;
  stepTimeoutInMinutes?: number;
  expectedVersion?: number;
  executionNumber?: number;
  includeJobDocument?: boolean;
  includeJobExecutionState?: boolean;
}

export interface UpdateAccepted {
  executionState?: { status: string; statusDetails?: StatusDetails; versionNumber?: number };
  jobDocument?: unknown;
}

export interface JobsApiEvents {
  /** The next execution changed (MQTT notify-next; the HTTPS poller's look at `$next`). */
  'notify-next': [execution: JobExecution | undefined];
}

export interface JobsApi extends EventEmitter<JobsApiEvents> {
  readonly thingName: string;
  /** StartNextPendingJobExecution: IN_PROGRESS first, then QUEUED; undefined when nothing is pending. */
  startNext(req?: { statusDetails?: StatusDetails; stepTimeoutInMinutes?: number }): Promise<JobExecution | undefined>;
  /** DescribeJobExecution (`$next` allowed); presigned links in the document are signed afresh. */
  describe(jobId: string, req?: { executionNumber?: number; includeJobDocument?: boolean }): Promise<JobExecution | undefined>;
  update(jobId: string, req: UpdateRequest): Promise<UpdateAccepted>;
}

/** The execution in an answer, its document parsed when it came as a string (HTTPS). */
export function executionOf(raw: unknown): JobExecution | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const e = raw as JobExecution;
  if (typeof e.jobId !== 'string') return undefined;
  if (typeof e.jobDocument === 'string') {
    try {
      return { ...e, jobDocument: JSON.parse(e.jobDocument) as unknown };
    } catch {
      return e;
    }
  }
  return e;
}
