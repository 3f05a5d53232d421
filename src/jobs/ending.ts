/** What follows an execution ending, in the transaction that ended it: a retry (retry.ts), then the abort criteria (abort.ts). */
import { evaluateAbort } from './abort.js';
import { lockJob } from './queries.js';
import { retryIfAllowed } from './retry.js';
import { isTerminal } from './state-machine.js';
import type { JobExecution } from './types.js';
import type { Unit } from './unit.js';

export async function afterExecutionEnded(u: Unit, ended: JobExecution): Promise<void> {
  if (!isTerminal(ended.status)) return;
  const row = await lockJob(u.trx, u.dialect, ended.jobId);
  if (!row) return;
  await retryIfAllowed(u, row, ended);
  await evaluateAbort(u, ended.jobId);
}
