/** `…/jobs/start-next`: StartNextPendingJobExecution (aws-wire-protocols.md §1.3, §1.4). */
import { startNextRequestOf } from '../jobs-device/fields.js';
import { executionShape } from '../jobs-device/shapes.js';
import type { HandlerContext } from './context.js';
import { rejectionOf } from './requests.js';

export async function handleStartNext(c: HandlerContext): Promise<void> {
  const outcome = await c.jobs.startNext(c.thingName, startNextRequestOf(c.body));
  const result = outcome.value;
  if (!result.ok) {
    await c.respond.rejected(rejectionOf(result.refusal, result.current));
    return;
  }
  // Nothing pending: the accepted payload has no `execution` key.
  await c.respond.accepted(result.value ? { execution: executionShape(result.value, c.clock.now(), { withThingName: true, document: 'object' }) } : {});
  await outcome.announce();
}
