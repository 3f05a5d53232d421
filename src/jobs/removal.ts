/**
 * A deleted thing's executions (aws-wire-protocols.md §1.7): every QUEUED or
 * IN_PROGRESS one becomes REMOVED, each in its own transaction under its job's lock.
 */
import type { Changes } from './changes.js';
import { findExecution, lockJob, pendingOf } from './queries.js';
import { applyServiceTransition } from './state-machine.js';
import { commitExecution, inTransaction, settleJob, type EngineDeps } from './unit.js';

export async function removeThingExecutions(deps: EngineDeps, thingName: string): Promise<Changes[]> {
  const out: Changes[] = [];
  for (const pending of await pendingOf(deps.db, thingName)) {
    const { changes } = await inTransaction(deps, async (u) => {
      if (!(await lockJob(u.trx, u.dialect, pending.jobId))) return;
      const exec = await findExecution(u.trx, pending.jobId, thingName, pending.executionNumber);
      if (!exec) return;
      const result = applyServiceTransition(exec, { kind: 'remove' }, u.nowMs);
      if (!result.ok) return;
      await commitExecution(u, exec, result.next);
      await settleJob(u, exec.jobId);
    });
    out.push(changes);
  }
  return out;
}
