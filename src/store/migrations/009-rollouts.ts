import { sql } from 'kysely';
import type { FerryMigration } from './types.js';

/**
 * Safe rollouts (see ../tables/jobs.ts): each job's rollout, abort, retry and
 * scheduling configurations and its pacer's stored state (the minute it is in,
 * how many it notified, when it is due next, and who holds its lease); each
 * execution's notification time (NULL: not rolled out yet, invisible to the
 * device). Executions made before this migration were all notified when queued.
 */
export const rolloutsMigration: FerryMigration = {
  name: '009-rollouts',
  async up(db) {
    const nullable: Array<[string, 'text' | 'bigint' | 'varchar(64)']> = [
      ['rollout_config', 'text'],
      ['abort_config', 'text'],
      ['retry_config', 'text'],
      ['scheduling_config', 'text'],
      ['start_at', 'bigint'],
      ['end_at', 'bigint'],
      ['rollout_next_at', 'bigint'],
      ['rollout_minute_start', 'bigint'],
      ['rollout_owner', 'varchar(64)'],
      ['rollout_lease_until', 'bigint'],
    ];
    for (const [name, type] of nullable) await db.schema.alterTable('jobs').addColumn(name, type).execute();
    for (const name of ['rollout_minute_count', 'n_notified', 'end_done']) {
      await db.schema.alterTable('jobs').addColumn(name, 'integer', (c) => c.notNull().defaultTo(0)).execute();
    }
    await db.schema.createIndex('jobs_rollout_due').on('jobs').column('rollout_next_at').execute();
    await db.schema.alterTable('job_executions').addColumn('notified_at', 'bigint').execute();
    await sql`update job_executions set notified_at = queued_at`.execute(db);
    await sql`update jobs set n_notified = (select count(distinct thing_name) from job_executions e where e.job_id = jobs.job_id)`.execute(db);
    // The pacer's next things to notify: a job's executions not yet rolled out, in thing order.
    await db.schema.createIndex('job_executions_rollout').on('job_executions').columns(['job_id', 'notified_at', 'thing_name']).execute();
  },
};
