/**
 * Stored schedules claimed under leases, so each due piece of work runs on one
 * node of a cluster at a time and survives that node's death: the job timers
 * (job_executions.timeout_at), the rollout pacer (jobs.rollout_next_at) and
 * dynamic thing groups' whole-fleet evaluations (iot_thing_groups.build_due).
 */
import { sql } from 'kysely';
import type { SqlDialect } from '../store/db.js';
import type { Db } from './queries.js';

export interface LeasedSchedule<K extends string> {
  table: 'jobs' | 'job_executions' | 'iot_thing_groups';
  keys: readonly K[];
  /** The column holding when the work is due. */
  due: string;
  owner: string;
  leaseUntil: string;
}

export interface Claim {
  nowMs: number;
  limit: number;
  owner: string;
  leaseMs: number;
}

/**
 * Claims up to `limit` due rows for `owner` until `nowMs + leaseMs`, in one
 * statement: rows no other node holds a live lease on. PostgreSQL skips rows
 * another node is claiming at that moment (FOR UPDATE SKIP LOCKED); SQLite runs
 * the one statement under its write lock (as BEGIN IMMEDIATE would). A node
 * that dies holding a claim loses it when the lease runs out, by the clock of
 * whoever looks next; the work is idempotent, so the lease decides only who works.
 */
export async function claimDue<K extends string>(db: Db, dialect: SqlDialect, schedule: LeasedSchedule<K>, claim: Claim): Promise<Array<Record<K, unknown>>> {
  const lock = dialect === 'postgres' ? sql`for update skip locked` : sql``;
  const keys = sql.join(schedule.keys.map((k) => sql.ref(k)));
  const due = sql.ref(schedule.due);
  const lease = sql.ref(schedule.leaseUntil);
  const { rows } = await sql<Record<K, unknown>>`
    update ${sql.table(schedule.table)} set ${sql.ref(schedule.owner)} = ${claim.owner}, ${lease} = ${claim.nowMs + claim.leaseMs}
    where (${keys}) in (
      select ${keys} from ${sql.table(schedule.table)}
      where ${due} <= ${claim.nowMs} and (${lease} is null or ${lease} <= ${claim.nowMs})
      order by ${due} limit ${claim.limit} ${lock})
    returning ${keys}`.execute(db);
  return rows;
}
