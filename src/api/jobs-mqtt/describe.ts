/** `…/jobs/{jobId}/get` (jobId may be `$next`): DescribeJobExecution (aws-wire-protocols.md §1.3, §1.4). */
import { checkJobId, optionalExecutionNumber, optionalFlag } from '../jobs-device/fields.js';
import { executionShape } from '../jobs-device/shapes.js';
import type { HandlerContext } from './context.js';

export async function handleDescribe(c: HandlerContext, jobId: string): Promise<void> {
  const found = await c.jobs.describeForDevice(c.thingName, checkJobId(jobId, { next: true }), {
    executionNumber: optionalExecutionNumber(c.body),
    // §1.3: includeJobDocument defaults to true here.
    includeJobDocument: optionalFlag(c.body, 'includeJobDocument', true),
  });
  // `$next` with nothing pending: just the timestamp (and clientToken), CAP-2.
  await c.respond.accepted(found ? { execution: executionShape(found, c.clock.now(), { withThingName: true, document: 'object' }) } : {});
}
