/** `…/jobs/{jobId}/update`: UpdateJobExecution (aws-wire-protocols.md §1.3, §1.4, §1.7). */
import { checkJobId, updateRequestOf } from '../jobs-device/fields.js';
import { documentAs, stateShape } from '../jobs-device/shapes.js';
import type { HandlerContext } from './context.js';
import { rejectionOf } from './requests.js';

export async function handleUpdate(c: HandlerContext, jobId: string): Promise<void> {
  checkJobId(jobId, { next: false });
  const { request, includeJobExecutionState, includeJobDocument } = updateRequestOf(c.body);
  const outcome = await c.jobs.update(c.thingName, jobId, request, { includeJobDocument });
  const result = outcome.value;
  if (!result.ok) {
    await c.respond.rejected(rejectionOf(result.refusal, result.current));
    return;
  }
  // §1.4: with no flags the accepted payload is just the timestamp (CAP-2).
  await c.respond.accepted({
    ...(includeJobExecutionState ? { executionState: stateShape(result.value.execution) } : {}),
    ...(includeJobDocument ? { jobDocument: documentAs(result.value.document, 'object') } : {}),
  });
  await outcome.announce();
}
