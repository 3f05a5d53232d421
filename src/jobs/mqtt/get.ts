/** `…/jobs/get`: GetPendingJobExecutions (aws-wire-protocols.md §1.3, §1.4). */
import type { HandlerContext } from './context.js';
import { summaryPayload } from './payloads.js';

export async function handleGetPending(c: HandlerContext): Promise<void> {
  const lists = await c.jobs.pending(c.thingName);
  // Both arrays are present even when empty (CAP-2).
  await c.respond.accepted({ inProgressJobs: lists.inProgress.map(summaryPayload), queuedJobs: lists.queued.map(summaryPayload) });
}
