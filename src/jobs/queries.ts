/**
 * The jobs engine's queries. Every transaction that changes an execution
 * locks its job's row first (lockJob), so the job's counters and status move
 * exactly under concurrent updates, on SQLite (one writer) and PostgreSQL
 * (row lock) alike, and no two writers can deadlock: the job row is always
 * the first lock taken.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import { FerryError } from '../errors.js';
import type { SqlDialect } from '../store/db.js';
import type { Database } from '../store/schema.js';
import { sortPending } from './pending.js';
import { COUNTER_COLUMN, executionColumns, executionOf, type JobRow } from './rows.js';
import type { JobExecution, JobExecutionStatus } from './types.js';

export type Db = Kysely<Database> | Transaction<Database>;

export async function findJob(db: Db, jobId: string): Promise<JobRow | undefined> {
  return db.selectFrom('jobs').selectAll().where('job_id', '=', jobId).executeTakeFirst();
}

/** Reads the job and holds its row until the transaction ends (PostgreSQL; SQLite has one writer). */
export async function lockJob(trx: Transaction<Database>, dialect: SqlDialect, jobId: string): Promise<JobRow | undefined> {
  const query = trx.selectFrom('jobs').selectAll().where('job_id', '=', jobId);
  return (dialect === 'postgres' ? query.forUpdate() : query).executeTakeFirst();
}

/** One execution of (job, thing): the given number, or the latest when none is given (§1.3). */
export async function findExecution(db: Db, jobId: string, thingName: string, executionNumber?: number): Promise<JobExecution | undefined> {
  let query = db.selectFrom('job_executions').selectAll().where('job_id', '=', jobId).where('thing_name', '=', thingName);
  query = executionNumber === undefined ? query.orderBy('execution_number', 'desc').limit(1) : query.where('execution_number', '=', executionNumber);
  const row = await query.executeTakeFirst();
  return row ? executionOf(row) : undefined;
}

/** The thing's QUEUED and IN_PROGRESS executions the rollout has reached, IN_PROGRESS first, each in queue order. */
export async function pendingOf(db: Db, thingName: string): Promise<JobExecution[]> {
  const rows = await db
    .selectFrom('job_executions')
    .selectAll()
    .where('thing_name', '=', thingName)
    .where('status', 'in', ['QUEUED', 'IN_PROGRESS'])
    .where('notified_at', 'is not', null)
    .orderBy('queued_at')
    .orderBy('job_id')
    .execute();
  return sortPending(rows.map(executionOf));
}

/** Pending lists of many things at once (CreateJob, CancelJob), in chunks the engines accept. */
export async function pendingOfMany(db: Db, thingNames: readonly string[]): Promise<Map<string, JobExecution[]>> {
  const out = new Map<string, JobExecution[]>(thingNames.map((t) => [t, []]));
  for (let i = 0; i < thingNames.length; i += 500) {
    const chunk = thingNames.slice(i, i + 500);
    const rows = await db
      .selectFrom('job_executions')
      .selectAll()
      .where('thing_name', 'in', chunk)
      .where('status', 'in', ['QUEUED', 'IN_PROGRESS'])
      .where('notified_at', 'is not', null)
      .execute();
    for (const row of rows) out.get(row.thing_name)?.push(executionOf(row));
  }
  for (const [thing, list] of out) out.set(thing, sortPending(list));
  return out;
}

/** How many jobs, or executions, there are of each status. */
export async function countByStatus(db: Db, of: 'jobs' | 'executions'): Promise<Record<string, number>> {
  const table = of === 'jobs' ? 'jobs' : 'job_executions';
  const rows = await db.selectFrom(table).select((eb) => ['status', eb.fn.countAll<number>().as('n')]).groupBy('status').execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

/** Which of these things have an execution changed (queued, updated, ended) at or after `sinceMs`. */
export async function thingsChangedSince(db: Db, thingNames: readonly string[], sinceMs: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < thingNames.length; i += 500) {
    const chunk = thingNames.slice(i, i + 500);
    const rows = await db.selectFrom('job_executions').select('thing_name').distinct().where('thing_name', 'in', chunk).where('last_updated_at', '>=', sinceMs).execute();
    out.push(...rows.map((r) => r.thing_name));
  }
  return out;
}

/**
 * Writes `next` over `prev`, checking prev's version: under the job lock it
 * always matches; if it does not, something wrote without the lock, and
 * failing loudly is better than losing an update.
 */
export async function writeExecution(trx: Transaction<Database>, prev: JobExecution, next: JobExecution): Promise<void> {
  const result = await trx
    .updateTable('job_executions')
    .set(executionColumns(next))
    .where('job_id', '=', prev.jobId)
    .where('thing_name', '=', prev.thingName)
    .where('execution_number', '=', prev.executionNumber)
    .where('version_number', '=', prev.versionNumber)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) {
    throw new FerryError('Internal', `The job execution ${prev.jobId} of ${prev.thingName} changed concurrently; try again.`);
  }
}

/** Moves one execution between counters (either side may be absent: created, deleted), in one statement. */
export async function moveCounters(trx: Transaction<Database>, jobId: string, from: JobExecutionStatus | undefined, to: JobExecutionStatus | undefined, nowMs: number): Promise<void> {
  if (from === to) {
    await trx.updateTable('jobs').set({ last_updated_at: nowMs }).where('job_id', '=', jobId).execute();
    return;
  }
  const set: Record<string, unknown> = { last_updated_at: nowMs };
  if (from !== undefined) set[COUNTER_COLUMN[from]] = sql`${sql.ref(COUNTER_COLUMN[from])} - 1`;
  if (to !== undefined) set[COUNTER_COLUMN[to]] = sql`${sql.ref(COUNTER_COLUMN[to])} + 1`;
  await trx.updateTable('jobs').set(set).where('job_id', '=', jobId).execute();
}

/** Recounts a job's counters from its executions (after bulk changes; the job row is locked). */
export async function recount(trx: Transaction<Database>, jobId: string, nowMs: number): Promise<void> {
  // Counters count things: a thing's latest execution (a retry's history rows stay as they ended).
  const rows = await trx
    .selectFrom('job_executions as e')
    .select(['e.status', (eb) => eb.fn.countAll<string | number>().as('n')])
    .where('e.job_id', '=', jobId)
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('job_executions as later').select('later.job_id').whereRef('later.job_id', '=', 'e.job_id').whereRef('later.thing_name', '=', 'e.thing_name').whereRef('later.execution_number', '>', 'e.execution_number'))),
    )
    .groupBy('e.status')
    .execute();
  const set: Record<string, number> = { last_updated_at: nowMs };
  for (const column of Object.values(COUNTER_COLUMN)) set[column] = 0;
  for (const row of rows) set[COUNTER_COLUMN[row.status as JobExecutionStatus]] = Number(row.n);
  await trx.updateTable('jobs').set(set).where('job_id', '=', jobId).execute();
}
