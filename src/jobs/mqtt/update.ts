/** `…/jobs/{jobId}/update`: UpdateJobExecution (aws-wire-protocols.md §1.3, §1.4, §1.7). */
import type { HandlerContext } from './context.js';
import { statePayload } from './payloads.js';
import { JOB_ID, optionalExecutionNumber, optionalFlag, Rejection, rejectionOf } from './requests.js';

export async function handleUpdate(c: HandlerContext, jobId: string): Promise<void> {
  if (!JOB_ID.test(jobId)) throw new Rejection('InvalidRequest', `${jobId} is not a valid job id.`);
  const includeJobExecutionState = optionalFlag(c.body, 'includeJobExecutionState', false);
  const includeJobDocument = optionalFlag(c.body, 'includeJobDocument', false);
  const outcome = await c.jobs.update(
    c.thingName,
    jobId,
    {
      status: c.body.status as string,
      statusDetails: c.body.statusDetails,
      expectedVersion: c.body.expectedVersion,
      stepTimeoutInMinutes: c.body.stepTimeoutInMinutes,
      executionNumber: optionalExecutionNumber(c.body),
    },
    { includeJobDocument },
  );
  const result = outcome.value;
  if (!result.ok) {
    await c.respond.rejected(rejectionOf(result.refusal, result.current));
    return;
  }
  // §1.4: with no flags the accepted payload is just the timestamp (CAP-2).
  await c.respond.accepted({
    ...(includeJobExecutionState ? { executionState: statePayload(result.value.execution) } : {}),
    ...(includeJobDocument ? { jobDocument: result.value.document } : {}),
  });
  await outcome.announce();
}
