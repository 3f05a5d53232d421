/**
 * What the device agent works with: job executions as the Jobs MQTT API
 * delivers them, the outcome a handler reaches, and the operations a device
 * maker plugs in.
 */
import type { Logger } from 'pino';
import type { Downloader } from './download.js';
import type { Hooks } from './hooks.js';
import type { Uploader } from './upload.js';

/** A flat string→string map, as Jobs statusDetails must be (aws-wire-protocols.md §1.3). */
export type StatusDetails = Record<string, string>;

/** A job execution in its MQTT form (aws-wire-protocols.md §1.4): times in epoch seconds, the document parsed. */
export interface JobExecution {
  jobId: string;
  thingName?: string;
  /** An object over MQTT; the HTTPS data plane sends a string (both are accepted). */
  jobDocument?: unknown;
  status: string;
  statusDetails?: StatusDetails;
  queuedAt?: number;
  startedAt?: number;
  lastUpdatedAt?: number;
  versionNumber?: number;
  executionNumber?: number;
  approximateSecondsBeforeTimedOut?: number;
}

/** A job document: a JSON object (anything else is REJECTED). */
export type JobDocument = Record<string, unknown>;

/** How a job ends, as reported with UpdateJobExecution. */
export type JobOutcome =
  | { status: 'SUCCEEDED'; details?: StatusDetails }
  | { status: 'FAILED' | 'REJECTED'; reason: string; message: string; details?: StatusDetails };

/** What a handler gets for one job. */
export interface JobContext {
  execution: JobExecution;
  document: JobDocument;
  /** The only folder the agent writes to (absolute, resolved). */
  dir: string;
  /** Aborted when the job is canceled or the agent stops; long work must watch it. */
  signal: AbortSignal;
  log: Logger;
  /**
   * Reports progress (merged into statusDetails as IN_PROGRESS). Rate-limited:
   * pass `percent` so the reporter can send at percent steps, `force` for a
   * change of phase. Also keeps the step timer alive.
   */
  progress(details: StatusDetails, opts?: { percent?: number; force?: boolean }): void;
  /** Asks for the execution again (DescribeJobExecution): presigned links in it are fresh. */
  refreshDocument(): Promise<JobDocument>;
  /**
   * An absolute path inside `dir` for `path` (relative to `dir`, or absolute
   * inside it); one that escapes is REJECTED (reason `destination-outside-dir`,
   * or `file-outside-dir` for a file to read).
   */
  resolvePath(path: string, what?: 'destination' | 'file'): string;
  /** The agent's downloads, uploads and hooks, with its settings applied. */
  tools: AgentTools;
}

/**
 * One kind of job the agent runs. `matches` looks at the document only;
 * `run` returns nothing (SUCCEEDED), an outcome, or throws a JobError
 * (see outcome.ts: `failed(reason, message)`, `rejected(reason, message)`).
 */
export interface Operation {
  name: string;
  matches(document: JobDocument): boolean;
  run(job: JobContext): Promise<JobOutcome | void>;
}

/** Filled in by agent.ts; declared here so handlers see one type. */
export interface AgentTools {
  download: Downloader;
  upload: Uploader;
  hooks: Hooks;
}
