/** `…/jobs/start-next`: StartNextPendingJobExecution (aws-wire-protocols.md §1.3, §1.4). */
import type { HandlerContext } from './context.js';
import { executionPayload } from './payloads.js';
import { rejectionOf } from './requests.js';

export async function handleStartNext(c: HandlerContext): Promise<void> {
  const outcome = await c.jobs.startNext(c.thingName, { statusDetails: c.body.statusDetails, stepTimeoutInMinutes: c.body.stepTimeoutInMinutes });
  const result = outcome.value;
  if (!result.ok) {
    await c.respond.rejected(rejectionOf(result.refusal, result.current));
    return;
  }
  // Nothing pending: the accepted payload has no `execution` key.
  await c.respond.accepted(result.value ? { execution: executionPayload(result.value, c.clock.now(), { withThingName: true }) } : {});
  await outcome.announce();
}
