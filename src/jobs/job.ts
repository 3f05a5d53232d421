/** A job as the engine keeps it (times in epoch ms; the protocols convert). */
import type { AbortCriteria, RetryCriteria, RolloutConfig, SchedulingConfig } from './configs.js';
import type { JobExecution, JobProcessCounters, JobStatus, TargetSelection } from './types.js';

export interface PresignedUrlConfig {
  roleArn: string;
  /** X-Amz-Expires of every link handed out: 60–3600 seconds (aws-wire-protocols.md §5). */
  expiresInSec: number;
}

export interface Job {
  jobId: string;
  jobArn: string;
  status: JobStatus;
  targetSelection: TargetSelection;
  /** The target ARNs as CreateJob named them (things and thing groups). */
  targets: string[];
  description?: string;
  /** The stored document text, placeholders unsubstituted. */
  document: string;
  /** The S3 URL the document was read from at creation. */
  documentSource?: string;
  /** Ferry's S3 origins when the job was made (placeholders may name them). */
  s3Origins: string[];
  presignedUrlConfig?: PresignedUrlConfig;
  inProgressTimeoutInMinutes?: number;
  forceCanceled: boolean;
  reasonCode?: string;
  comment?: string;
  createdAtMs: number;
  lastUpdatedAtMs: number;
  completedAtMs?: number;
  counters: JobProcessCounters;
  rolloutConfig?: RolloutConfig;
  abortCriteria?: AbortCriteria[];
  retryCriteria?: RetryCriteria[];
  schedulingConfig?: SchedulingConfig;
  /** The template the job was made from (a custom or an AWS-managed one's versioned ARN). */
  jobTemplateArn?: string;
  /** The managed template's parameters the job was given. */
  documentParameters?: Record<string, string>;
  /** Things the rollout has notified so far (each once, retries not counted). */
  notifiedThings: number;
  /** Things with an execution the rollout has not reached yet (invisible to their devices). */
  awaitingRollout: number;
}

/** ListJobs' summary. */
export type JobSummary = Pick<Job, 'jobId' | 'jobArn' | 'status' | 'targetSelection' | 'createdAtMs' | 'lastUpdatedAtMs' | 'completedAtMs' | 'awaitingRollout'>;

/** What a device receives: an execution and, when asked for, its document rendered for this delivery. */
export interface DeliveredExecution {
  execution: JobExecution;
  /** The parsed document with fresh presigned links (aws-wire-protocols.md §5); absent when not asked for. */
  document?: unknown;
}
