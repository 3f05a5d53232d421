/**
 * The jobs tables: jobs (with their jobProcessDetails counters, kept exact
 * by delta updates under the job's row lock), their targets, and one row
 * per job execution (with its timers). Times are epoch ms, booleans 0/1,
 * JSON is TEXT (see ../schema.ts).
 */
export interface JobsTable {
  job_id: string;
  job_arn: string;
  /** IN_PROGRESS, SCHEDULED, COMPLETED, CANCELED, DELETION_IN_PROGRESS. */
  status: string;
  target_selection: string;
  /** JSON array of the target ARNs as CreateJob named them. */
  targets: string;
  description: string | null;
  /** The job document as stored (placeholders unsubstituted). */
  document: string;
  /** The S3 URL the document was read from at creation, if any. */
  document_source: string | null;
  /**
   * JSON array of Ferry's own S3 origins when the job was made, so a
   * placeholder naming Ferry's S3 endpoint still resolves after a restart on
   * other ports.
   */
  s3_origins: string;
  presign_role_arn: string | null;
  presign_expires_sec: number | null;
  in_progress_timeout_minutes: number | null;
  force_canceled: number;
  reason_code: string | null;
  comment: string | null;
  created_at: number;
  last_updated_at: number;
  completed_at: number | null;
  // jobProcessDetails: how many of the job's executions are in each status.
  n_queued: number;
  n_in_progress: number;
  n_succeeded: number;
  n_failed: number;
  n_rejected: number;
  n_canceled: number;
  n_removed: number;
  n_timed_out: number;
  /** JSON of the checked configurations (../../jobs/configs.ts), NULL when not given. */
  rollout_config: string | null;
  abort_config: string | null;
  retry_config: string | null;
  scheduling_config: string | null;
  /** schedulingConfig's startTime / endTime in epoch ms. */
  start_at: number | null;
  end_at: number | null;
  /** When the pacer next looks at the job (a rollout minute, a window, the start or end time); NULL: never. */
  rollout_next_at: number | null;
  /** The start of the rollout minute the pacer is in, and how many things it notified in it. */
  rollout_minute_start: number | null;
  rollout_minute_count: number;
  /** Things notified so far (first attempts; retries are not counted). */
  n_notified: number;
  /** 1 once the endTime's endBehavior has been applied. */
  end_done: number;
  /** The node that claimed the due pacer step, and until when. */
  rollout_owner: string | null;
  rollout_lease_until: number | null;
  /** The ARN of the template (custom or AWS-managed) the job was made from, if any. */
  job_template_arn: string | null;
  /** JSON object of the documentParameters a managed template's job was given, if any. */
  document_parameters: string | null;
}

/** One row per target ARN, so ListJobs can filter by thing group. */
export interface JobTargetsTable {
  job_id: string;
  target_arn: string;
}

export interface JobExecutionsTable {
  job_id: string;
  thing_name: string;
  execution_number: number;
  status: string;
  /** JSON object of string → string. */
  status_details: string;
  queued_at: number;
  started_at: number | null;
  last_updated_at: number;
  version_number: number;
  retry_attempt: number;
  step_timeout_at: number | null;
  in_progress_timeout_at: number | null;
  /** The earlier running deadline (nextTimeout): what the scheduler polls. */
  timeout_at: number | null;
  force_canceled: number;
  /** When the execution was rolled out to (became visible to) the device; NULL: not yet. */
  notified_at: number | null;
  /** The node that claimed the due timer, and until when (its lease: another node takes over after). */
  timer_owner?: string | null;
  timer_lease_until?: number | null;
}

/** A custom job template (CreateJobTemplate): a job's document and configurations, kept for reuse. */
export interface JobTemplatesTable {
  template_id: string;
  template_arn: string;
  description: string;
  document: string;
  document_source: string | null;
  presign_role_arn: string | null;
  presign_expires_sec: number | null;
  in_progress_timeout_minutes: number | null;
  /** JSON, in the wire's shape, checked by ../../jobs/configs.ts; NULL when not given. */
  rollout_config: string | null;
  abort_config: string | null;
  retry_config: string | null;
  maintenance_windows: string | null;
  created_at: number;
}

export interface JobsTables {
  job_templates: JobTemplatesTable;
  jobs: JobsTable;
  job_targets: JobTargetsTable;
  job_executions: JobExecutionsTable;
}
