/**
 * A deleted thing's executions (aws-wire-protocols.md §1.7): every QUEUED or
 * IN_PROGRESS one becomes REMOVED, each in its own transaction under its job's lock.
 */
import type { Changes } from './changes.js';
import { findExecution, lockJob } from './queries.js';
import { executionOf } from './rows.js';
import { applyServiceTransition } from './state-machine.js';
import { commitExecution, inTransaction, settleJob, type EngineDeps } from './unit.js';

export async function removeThingExecutions(deps: EngineDeps, thingName: string): Promise<Changes[]> {
  const out: Changes[] = [];
  // Every unfinished execution, rolled out to the device or not.
  const unfinished = await deps.db.selectFrom('job_executions').selectAll().where('thing_name', '=', thingName).where('status', 'in', ['QUEUED', 'IN_PROGRESS']).execute();
  for (const pending of unfinished.map(executionOf)) {
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
