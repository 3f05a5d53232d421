/** The jobs domain's records (times in epoch ms; the protocols convert to seconds). */

// aws-wire-protocols.md §1.4, §9: the eight execution statuses, as AWS spells them.
export const JOB_EXECUTION_STATUSES = ['QUEUED', 'IN_PROGRESS', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'REJECTED', 'REMOVED', 'CANCELED'] as const;
export type JobExecutionStatus = (typeof JOB_EXECUTION_STATUSES)[number];

// aws-wire-protocols.md §9: IN_PROGRESS on create, SCHEDULED while waiting for schedulingConfig.startTime.
export const JOB_STATUSES = ['IN_PROGRESS', 'CANCELED', 'DELETION_IN_PROGRESS', 'COMPLETED', 'SCHEDULED'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const TARGET_SELECTIONS = ['SNAPSHOT', 'CONTINUOUS'] as const;
export type TargetSelection = (typeof TARGET_SELECTIONS)[number];

export const isJobExecutionStatus = (s: unknown): s is JobExecutionStatus =>
  typeof s === 'string' && (JOB_EXECUTION_STATUSES as readonly string[]).includes(s);

/** One job's execution on one thing. */
export interface JobExecution {
  jobId: string;
  thingName: string;
  status: JobExecutionStatus;
  /** Flat string map the device (or CancelJobExecution) reports; empty when none. */
  statusDetails: Record<string, string>;
  queuedAtMs: number;
  /** Set when the execution first enters IN_PROGRESS. */
  startedAtMs?: number;
  lastUpdatedAtMs: number;
  executionNumber: number;
  /** 1 when queued, +1 on every accepted change (aws-wire-protocols.md §1.4, §1.7). */
  versionNumber: number;
  /** How many times the retry config re-queued this execution (0 at first). */
  retryAttempt: number;
  /** Absolute deadline of the device's step timer, if one is running (uncapped; see nextTimeoutAtMs). */
  stepTimeoutAtMs?: number;
  /** Absolute deadline of the job's in-progress timer, fixed when the execution starts. */
  inProgressTimeoutAtMs?: number;
  /** True when canceled with force=true. */
  forceCanceled: boolean;
  /** When the rollout reached this thing (it became visible to the device); absent: not rolled out yet. */
  notifiedAtMs?: number;
}

/** What the rejected responses and UpdateJobExecution's executionState carry. */
export interface JobExecutionState {
  status: JobExecutionStatus;
  statusDetails: Record<string, string>;
  versionNumber: number;
}

/** DescribeJob's jobProcessDetails counters (aws-wire-protocols.md §3.3, §9). */
export interface JobProcessCounters {
  numberOfQueuedThings: number;
  numberOfInProgressThings: number;
  numberOfSucceededThings: number;
  numberOfFailedThings: number;
  numberOfRejectedThings: number;
  numberOfCanceledThings: number;
  numberOfRemovedThings: number;
  numberOfTimedOutThings: number;
}
