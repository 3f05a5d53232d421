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

export interface ExecutionKey {
  jobId: string;
  thingName: string;
  executionNumber: number;
}

export async function dueTimeouts(db: Db, nowMs: number, limit: number): Promise<ExecutionKey[]> {
  const rows = await db
    .selectFrom('job_executions')
    .select(['job_id', 'thing_name', 'execution_number'])
    .where('timeout_at', '<=', nowMs)
    .orderBy('timeout_at')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ jobId: r.job_id, thingName: r.thing_name, executionNumber: r.execution_number }));
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
