import { setTimeout as sleep } from 'node:timers/promises';
import { DescribeJobCommand, type Job } from '@aws-sdk/client-iot';
import type { Connection } from '../client-config.js';
import type { HistoryEvent } from '../../history/events.js';
import { readAllHistory } from './history.js';
import { counters, executionDetails, isJobFinished, listExecutions, TERMINAL_EXECUTION, type Counters, type ExecutionRow } from './jobs.js';

export interface WatchedExecution extends ExecutionRow {
  details: Record<string, string>;
  /** 0..1 when the device reports progress in its statusDetails. */
  progress?: number | undefined;
}

export interface WatchSnapshot {
  jobId: string;
  job: Job;
  counters: Counters;
  executions: WatchedExecution[];
  finished: boolean;
  /** The job's event history so far (every device's timeline), oldest first; empty when the server keeps none. */
  timeline: HistoryEvent[];
  /** The events this snapshot added to the timeline. */
  newEvents: HistoryEvent[];
  /** The watch stopped (Ctrl-C) before the job finished. */
  interrupted?: boolean;
}

export interface WatchOptions {
  intervalMs: number;
  signal?: AbortSignal | undefined;
  onSnapshot?(snapshot: WatchSnapshot): void;
  /** Ask for the details (progress) of at most this many in-progress devices per poll. */
  detailsLimit?: number;
}

/**
 * Reads a device's progress from its statusDetails: a `percent`/`progress`
 * value ("42", "42%"), or bytes done over total under the usual names.
 */
export function progressOf(d: Record<string, string>): number | undefined {
  for (const key of ['percent', 'progress', 'percentage', 'progressPercent']) {
    const m = /^(\d+(?:\.\d+)?)\s*%?$/.exec(d[key] ?? '');
    if (m) return Math.min(1, Number(m[1]) / 100);
  }
  const num = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined);
  const done = num(d.bytesDownloaded ?? d.downloadedBytes ?? d.receivedBytes ?? d.bytes ?? d.downloaded);
  const total = num(d.totalBytes ?? d.bytesTotal ?? d.size ?? d.total ?? d.contentLength);
  return done !== undefined && total ? Math.min(1, done / total) : undefined;
}

/**
 * Polls a job (DescribeJob, ListJobExecutionsForJob, and DescribeJobExecution
 * for devices at work) until it completes or is canceled, handing each
 * snapshot to onSnapshot; resolves with the last one. A terminal execution's
 * details are read once and kept.
 */
export async function watchJob(conn: Connection, jobId: string, o: WatchOptions): Promise<WatchSnapshot> {
  const settled = new Map<string, Record<string, string>>();
  let last: WatchSnapshot | undefined;
  const timeline: HistoryEvent[] = [];
  let historyKept = true;
  for (;;) {
    const job = (await conn.iot().send(new DescribeJobCommand({ jobId }))).job!;
    // Read after DescribeJob, so the poll that sees the job finished also has the events that finished it.
    const newEvents = historyKept ? await newHistory(conn, jobId, timeline.at(-1)?.id ?? 0).catch(() => ((historyKept = false), [])) : [];
    timeline.push(...newEvents);
    const rows = await listExecutions(conn, jobId);
    const finished = isJobFinished(job);
    let budget = o.detailsLimit ?? 20;
    const executions: WatchedExecution[] = [];
    for (const row of rows) {
      let details = settled.get(row.thingName);
      const terminal = TERMINAL_EXECUTION.has(row.status);
      const wanted = terminal || (row.status === 'IN_PROGRESS' && budget-- > 0);
      if (!details && wanted) {
        details = await executionDetails(conn, row.thingName, jobId);
        if (terminal) settled.set(row.thingName, details);
      }
      executions.push({ ...row, details: details ?? {}, progress: row.status === 'SUCCEEDED' ? 1 : progressOf(details ?? {}) });
    }
    last = { jobId, job, counters: counters(job), executions, finished, timeline, newEvents };
    o.onSnapshot?.(last);
    if (finished) return last;
    try {
      await sleep(o.intervalMs, undefined, o.signal ? { signal: o.signal } : {});
    } catch {
      return { ...last, interrupted: true };
    }
  }
}

/** The job's events after `after` (a server without the history, or a caller not allowed it, ends the timeline, not the watch). */
function newHistory(conn: Connection, jobId: string, after: number): Promise<HistoryEvent[]> {
  return readAllHistory(conn, { jobId }, after);
}
