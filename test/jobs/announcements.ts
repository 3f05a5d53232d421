import type { JobsAnnouncement, JobsAnnouncer } from '../../src/jobs/index.js';

/** A JobsAnnouncer that records what the engine announces, in order, as the announcement union. */
export function heardBy(heard: JobsAnnouncement[]): JobsAnnouncer {
  return {
    pendingChanged: async (changes) => void heard.push(...changes.map((change) => ({ kind: 'pending' as const, change }))),
    executionEvent: async (operation, execution) => void heard.push({ kind: 'execution-event', operation, execution }),
    jobEvent: async (operation, job) => void heard.push({ kind: 'job-event', operation, job }),
  };
}
