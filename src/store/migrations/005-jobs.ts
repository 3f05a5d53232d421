import type { Kysely } from 'kysely';
import type { FerryMigration } from './types.js';

async function jobs(db: Kysely<any>): Promise<void> {
  let table = db.schema
    .createTable('jobs')
    .addColumn('job_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('job_arn', 'varchar(2048)', (c) => c.notNull())
    .addColumn('status', 'varchar(32)', (c) => c.notNull())
    .addColumn('target_selection', 'varchar(16)', (c) => c.notNull())
    .addColumn('targets', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('document', 'text', (c) => c.notNull())
    .addColumn('document_source', 'text')
    .addColumn('s3_origins', 'text', (c) => c.notNull())
    .addColumn('presign_role_arn', 'varchar(2048)')
    .addColumn('presign_expires_sec', 'integer')
    .addColumn('in_progress_timeout_minutes', 'integer')
    .addColumn('force_canceled', 'integer', (c) => c.notNull())
    .addColumn('reason_code', 'varchar(128)')
    .addColumn('comment', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_updated_at', 'bigint', (c) => c.notNull())
    .addColumn('completed_at', 'bigint');
  for (const counter of ['n_queued', 'n_in_progress', 'n_succeeded', 'n_failed', 'n_rejected', 'n_canceled', 'n_removed', 'n_timed_out']) {
    table = table.addColumn(counter, 'integer', (c) => c.notNull());
  }
  await table.execute();
  await db.schema.createIndex('jobs_created').on('jobs').columns(['created_at', 'job_id']).execute();
  await db.schema.createIndex('jobs_status').on('jobs').column('status').execute();
  await db.schema
    .createTable('job_targets')
    .addColumn('job_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('target_arn', 'varchar(2048)', (c) => c.notNull())
    .addPrimaryKeyConstraint('job_targets_pk', ['job_id', 'target_arn'])
    .execute();
  await db.schema.createIndex('job_targets_arn').on('job_targets').column('target_arn').execute();
}

async function executions(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('job_executions')
    .addColumn('job_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('thing_name', 'varchar(128)', (c) => c.notNull())
    .addColumn('execution_number', 'bigint', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('status_details', 'text', (c) => c.notNull())
    .addColumn('queued_at', 'bigint', (c) => c.notNull())
    .addColumn('started_at', 'bigint')
    .addColumn('last_updated_at', 'bigint', (c) => c.notNull())
    .addColumn('version_number', 'bigint', (c) => c.notNull())
    .addColumn('retry_attempt', 'integer', (c) => c.notNull())
    .addColumn('step_timeout_at', 'bigint')
    .addColumn('in_progress_timeout_at', 'bigint')
    .addColumn('timeout_at', 'bigint')
    .addColumn('force_canceled', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('job_executions_pk', ['job_id', 'thing_name', 'execution_number'])
    .execute();
  // A thing's pending executions (GetPendingJobExecutions, $next, notify), its history (ListJobExecutionsForThing).
  await db.schema.createIndex('job_executions_thing').on('job_executions').columns(['thing_name', 'status', 'queued_at']).execute();
  // Due timers (the scheduler's poll).
  await db.schema.createIndex('job_executions_timeout').on('job_executions').column('timeout_at').execute();
  // ListJobExecutionsForJob by status.
  await db.schema.createIndex('job_executions_job_status').on('job_executions').columns(['job_id', 'status']).execute();
}

/** The jobs tables (see ../tables/jobs.ts). */
export const jobsMigration: FerryMigration = {
  name: '005-jobs',
  async up(db) {
    await jobs(db);
    await executions(db);
  },
};
