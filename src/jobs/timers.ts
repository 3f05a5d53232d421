/**
 * Timeouts (aws-wire-protocols.md §9): each running execution's next deadline
 * is stored with it (job_executions.timeout_at), so timers survive restarts and
 * any node may fire them; firing twice is harmless (the state machine refuses
 * a timer that is no longer due or an execution no longer IN_PROGRESS).
 */
import type { Changes } from './changes.js';
import { findExecution, type Db } from './queries.js';
import { applyServiceTransition, nextTimeout } from './state-machine.js';
import { commitExecution, inTransaction, settleJob, type EngineDeps } from './unit.js';
import { lockJob } from './queries.js';
import { sql } from 'kysely';
import type { SqlDialect } from '../store/db.js';

export interface ExecutionKey {
  jobId: string;
  thingName: string;
  executionNumber: number;
}

/**
 * Claims up to `limit` due timers for `owner` until `nowMs + leaseMs`, in one
 * statement: timers no other node holds a live lease on. PostgreSQL skips rows
 * another node is claiming at that moment (FOR UPDATE SKIP LOCKED); SQLite runs
 * the one statement under its write lock (as BEGIN IMMEDIATE would). A node
 * that dies holding a claim loses it when the lease runs out, by the clock of
 * whoever looks next; firing is idempotent, so the lease decides only who works.
 */
export async function claimDueTimeouts(db: Db, dialect: SqlDialect, claim: { nowMs: number; limit: number; owner: string; leaseMs: number }): Promise<ExecutionKey[]> {
  const lock = dialect === 'postgres' ? sql`for update skip locked` : sql``;
  const { rows } = await sql<{ job_id: string; thing_name: string; execution_number: number }>`
    update job_executions set timer_owner = ${claim.owner}, timer_lease_until = ${claim.nowMs + claim.leaseMs}
    where (job_id, thing_name, execution_number) in (
      select job_id, thing_name, execution_number from job_executions
      where timeout_at <= ${claim.nowMs} and (timer_lease_until is null or timer_lease_until <= ${claim.nowMs})
      order by timeout_at limit ${claim.limit} ${lock})
    returning job_id, thing_name, execution_number`.execute(db);
  return rows.map((r) => ({ jobId: r.job_id, thingName: r.thing_name, executionNumber: Number(r.execution_number) }));
}

/** Gives a claimed timer back (fired or found not due): a later deadline of the same execution is anyone's again. */
export async function releaseTimer(db: Db, key: ExecutionKey, owner: string): Promise<void> {
  await db
    .updateTable('job_executions')
    .set({ timer_owner: null, timer_lease_until: null })
    .where('job_id', '=', key.jobId)
    .where('thing_name', '=', key.thingName)
    .where('execution_number', '=', key.executionNumber)
    .where('timer_owner', '=', owner)
    .execute();
}

/** IN_PROGRESS → TIMED_OUT if the execution's earlier timer is due; false when there was nothing to do. */
export function timeOut(deps: EngineDeps, key: ExecutionKey): Promise<{ value: boolean; changes: Changes }> {
  return inTransaction(deps, async (u) => {
    if (!(await lockJob(u.trx, u.dialect, key.jobId))) return false;
    const exec = await findExecution(u.trx, key.jobId, key.thingName, key.executionNumber);
    const timer = exec && nextTimeout(exec);
    if (!exec || !timer) return false;
    const result = applyServiceTransition(exec, { kind: 'timeout', which: timer.which }, u.nowMs);
    if (!result.ok) return false;
    await commitExecution(u, exec, result.next);
    await settleJob(u, key.jobId);
    return true;
  });
}

/** Jobs marked for deletion whose purge has not finished (a crash between the two). */
export async function jobsBeingDeleted(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('jobs').select('job_id').where('status', '=', 'DELETION_IN_PROGRESS').execute();
  return rows.map((r) => r.job_id);
}
