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
import { afterExecutionEnded } from './ending.js';
import { claimDue, type Claim } from './leases.js';
import type { SqlDialect } from '../store/db.js';

export interface ExecutionKey {
  jobId: string;
  thingName: string;
  executionNumber: number;
}

const TIMERS = { table: 'job_executions', keys: ['job_id', 'thing_name', 'execution_number'], due: 'timeout_at', owner: 'timer_owner', leaseUntil: 'timer_lease_until' } as const;

/** Claims up to `limit` due timers for `owner` until `nowMs + leaseMs` (see claimDue). */
export async function claimDueTimeouts(db: Db, dialect: SqlDialect, claim: Claim): Promise<ExecutionKey[]> {
  const rows = await claimDue(db, dialect, TIMERS, claim);
  return rows.map((r) => ({ jobId: String(r.job_id), thingName: String(r.thing_name), executionNumber: Number(r.execution_number) }));
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
    await afterExecutionEnded(u, result.next);
    await settleJob(u, key.jobId);
    return true;
  });
}

/** Jobs marked for deletion whose purge has not finished (a crash between the two). */
export async function jobsBeingDeleted(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('jobs').select('job_id').where('status', '=', 'DELETION_IN_PROGRESS').execute();
  return rows.map((r) => r.job_id);
}
