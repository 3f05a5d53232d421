/** `…/jobs/get`: GetPendingJobExecutions (aws-wire-protocols.md §1.3, §1.4). */
import { summaryShape } from '../jobs-device/shapes.js';
import type { HandlerContext } from './context.js';

export async function handleGetPending(c: HandlerContext): Promise<void> {
  const lists = await c.jobs.pending(c.thingName);
  // Both arrays are present even when empty (CAP-2).
  await c.respond.accepted({ inProgressJobs: lists.inProgress.map(summaryShape), queuedJobs: lists.queued.map(summaryShape) });
}
