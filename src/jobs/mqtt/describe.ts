/** `…/jobs/{jobId}/get` (jobId may be `$next`): DescribeJobExecution (aws-wire-protocols.md §1.3, §1.4). */
import type { HandlerContext } from './context.js';
import { executionPayload } from './payloads.js';
import { JOB_ID, optionalExecutionNumber, optionalFlag, Rejection } from './requests.js';

export async function handleDescribe(c: HandlerContext, jobId: string): Promise<void> {
  if (jobId !== '$next' && !JOB_ID.test(jobId)) throw new Rejection('InvalidRequest', `${jobId} is not a valid job id.`);
  const found = await c.jobs.describeForDevice(c.thingName, jobId, {
    executionNumber: optionalExecutionNumber(c.body),
    // §1.3: includeJobDocument defaults to true here.
    includeJobDocument: optionalFlag(c.body, 'includeJobDocument', true),
  });
  // `$next` with nothing pending: just the timestamp (and clientToken), CAP-2.
  await c.respond.accepted(found ? { execution: executionPayload(found, c.clock.now(), { withThingName: true }) } : {});
}
