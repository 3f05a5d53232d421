/**
 * A job's page, live: GET /console/api/flows/jobs/{jobId}/events streams the job's counters and
 * each device's execution (status, statusDetails, number) as server-sent events, read as the
 * signed-in identity (DescribeJob, ListJobExecutionsForJob, DescribeJobExecution). It re-reads
 * when a device's Jobs request for this job has been handled, and every few seconds for what no
 * device sends (timeouts, rollout steps, cancels from elsewhere), and when this node has written
 * history events of the job. Besides the state it sends the job's event history (`history`
 * events: each device's queued, notified, started, link issued, downloaded, final status), read
 * with GET /ferry/jobs/{jobId}/history as the same identity.
 *
 * Event ids are `n.h`: n counts this stream's events (1, 2, 3 … with no gap, continued after a
 * resume), h is the id of the last history event sent so far. A browser resuming with
 * Last-Event-ID `n.h` gets ids from n + 1, the full state again (snapshots may repeat), and the
 * history events after h — none missed, none repeated, since history ids only grow in the order
 * they became visible. A bare `n` resumes the numbering and resends the history from its start.
 * The job event carries `ferry job watch`'s rollout line (rate now, distance to an abort criterion)
 * and, while the job runs, its rollout state (src/jobs/rollout-state.ts): when the pacer next notifies.
 * POST …/cancel cancels (force: also IN_PROGRESS executions).
 */
import type { FastifyRequest } from 'fastify';
import type { Job } from '@aws-sdk/client-iot';
import { counters } from '../../../cli/ops/jobs.js';
import { rolloutLine } from '../../../cli/rollout-view.js';
import type { ConsoleRouteKit } from '../routes.js';
import type { SignedCall } from '../dispatch.js';
import type { HistoryEvent } from '../../../history/events.js';
import { ConsoleRefusal } from '../routes.js';
import { openEventStream } from './sse.js';
import { streamCursor, timelineEventOf } from './timeline.js';

const REFRESH_MS = 2000;
const HISTORY_PAGE = 1000;
const seg = encodeURIComponent;

export interface ExecutionRow {
  thingName: string;
  status: string;
  executionNumber?: number;
  lastUpdatedAt?: number;
  statusDetails?: Record<string, string>;
}

type Call = (call: Omit<SignedCall, 'service' | 'query'> & { query?: Record<string, string> }) => Promise<Record<string, unknown>>;

const thingOfArn = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);

async function allExecutions(call: Call, jobId: string): Promise<Array<{ thingName: string; status: string; executionNumber?: number; lastUpdatedAt?: number }>> {
  const rows = [];
  let nextToken: string | undefined;
  do {
    const page = await call({ method: 'GET', path: `/jobs/${seg(jobId)}/things`, query: { maxResults: '250', ...(nextToken ? { nextToken } : {}) } });
    for (const s of (page.executionSummaries ?? []) as Array<{ thingArn: string; jobExecutionSummary?: { status?: string; executionNumber?: number; lastUpdatedAt?: number } }>) {
      rows.push({ thingName: thingOfArn(s.thingArn), status: s.jobExecutionSummary?.status ?? 'QUEUED', ...(s.jobExecutionSummary?.executionNumber !== undefined ? { executionNumber: s.jobExecutionSummary.executionNumber } : {}), ...(s.jobExecutionSummary?.lastUpdatedAt !== undefined ? { lastUpdatedAt: s.jobExecutionSummary.lastUpdatedAt } : {}) });
    }
    nextToken = page.nextToken as string | undefined;
  } while (nextToken);
  return rows;
}

const sameRow = (a: ExecutionRow | undefined, b: ExecutionRow) => a !== undefined && a.status === b.status && a.lastUpdatedAt === b.lastUpdatedAt && a.executionNumber === b.executionNumber;

export function registerJobStreamRoutes(kit: ConsoleRouteKit): void {
  const { ctx, route } = kit;
  const callerOf =
    (request: FastifyRequest): Call =>
    async (c) =>
      (await kit.callAs(request, { service: 'iot', query: {}, ...c })) as Record<string, unknown>;

  route('GET', '/console/api/flows/jobs/:jobId/events', async (request, reply) => {
    const jobId = (request.params as { jobId: string }).jobId;
    const call = callerOf(request);
    const first = await call({ method: 'GET', path: `/jobs/${seg(jobId)}` });
    const stream = openEventStream(request, reply);
    const cursor = streamCursor(request);
    let n = cursor.n;
    let historyId = cursor.historyId;
    const next = () => `${++n}.${historyId}`;
    const rows = new Map<string, ExecutionRow>();
    let lastJob = '';
    let things = new Set<string>();
    const refresh = async (described?: Record<string, unknown>) => {
      const job = ((described ?? (await call({ method: 'GET', path: `/jobs/${seg(jobId)}` }))).job ?? {}) as Record<string, unknown>;
      const rollout = rolloutLine(job as Job, counters(job as Job));
      // Authorized by the DescribeJob just made as the signed-in identity; the pacer's state is not on AWS's wire.
      const rolloutState = await ctx.services.jobs.rolloutStateOf(jobId);
      const summary = { jobId, ...(rollout ? { rollout } : {}), ...(rolloutState ? { rolloutState } : {}), status: job.status, jobProcessDetails: job.jobProcessDetails ?? {}, targets: job.targets, reasonCode: job.reasonCode, comment: job.comment, forceCanceled: job.forceCanceled };
      const jobText = JSON.stringify(summary);
      if (jobText !== lastJob) {
        lastJob = jobText;
        stream.send(next(), 'job', summary);
      }
      const listed = await allExecutions(call, jobId);
      things = new Set(listed.map((r) => r.thingName));
      for (const row of listed) {
        if (sameRow(rows.get(row.thingName), row)) continue;
        // statusDetails are only in the execution itself.
        const described = await call({ method: 'GET', path: `/things/${seg(row.thingName)}/jobs/${seg(jobId)}` }).catch(() => undefined);
        const execution = (described?.execution ?? {}) as { statusDetails?: { detailsMap?: Record<string, string> } };
        const details = execution.statusDetails?.detailsMap;
        const full: ExecutionRow = { ...row, ...(details ? { statusDetails: details } : {}) };
        rows.set(row.thingName, full);
        stream.send(next(), 'execution', full);
      }
      await sendHistory();
    };
    const sendHistory = async () => {
      for (;;) {
        const page = (await call({ method: 'GET', path: `/ferry/jobs/${seg(jobId)}/history`, query: { after: String(historyId), limit: String(HISTORY_PAGE) } })) as { events?: HistoryEvent[] };
        const events = page.events ?? [];
        for (const event of events) {
          historyId = event.id;
          stream.send(next(), 'history', timelineEventOf(event));
        }
        if (events.length < HISTORY_PAGE) return;
      }
    };
    // One refresh at a time; a request arriving meanwhile asks for one more after it.
    let running: Promise<void> | undefined;
    let again = false;
    const kick = () => {
      if (running) {
        again = true;
        return;
      }
      running = refresh()
        .catch((error: unknown) => stream.send(undefined, 'problem', { message: error instanceof Error ? error.message : String(error) }))
        .finally(() => {
          running = undefined;
          if (again) {
            again = false;
            kick();
          }
        });
    };
    running = refresh(first).finally(() => (running = undefined));
    const stopWatching = ctx.services.deviceEvents.watch((event) => {
      if (event.type === 'jobs-request' && (event.topic.includes(`/jobs/${jobId}/`) || (event.thingName !== undefined && things.has(event.thingName)))) kick();
    });
    const stopHistory = ctx.services.history.onWritten((jobIds) => {
      if (jobIds.has(jobId) || jobIds.has('*')) kick();
    });
    const timer = setInterval(kick, REFRESH_MS);
    await stream.closed;
    clearInterval(timer);
    stopWatching();
    stopHistory();
  });

  route('POST', '/console/api/flows/jobs/:jobId/cancel', async (request) => {
    const jobId = (request.params as { jobId: string }).jobId;
    const body = kit.jsonBody(request);
    if (body.force !== undefined && typeof body.force !== 'boolean') throw new ConsoleRefusal(400, 'InvalidRequestException', 'force must be true or false.');
    const comment = typeof body.comment === 'string' ? body.comment : undefined;
    return callerOf(request)({ method: 'PUT', path: `/jobs/${seg(jobId)}/cancel`, query: body.force ? { force: 'true' } : {}, body: { ...(comment ? { comment } : {}) } });
  });
}
