/**
 * A job's page, live: GET /console/api/flows/jobs/{jobId}/events streams the job's counters and
 * each device's execution (status, statusDetails, number) as server-sent events, read as the
 * signed-in identity (DescribeJob, ListJobExecutionsForJob, DescribeJobExecution). It re-reads
 * when a device's Jobs request for this job has been handled, and every few seconds for what no
 * device sends (timeouts, rollout steps, cancels from elsewhere). Each event has the next id; a
 * browser resuming with Last-Event-ID gets ids from there on and the full state again, so what
 * it shows is whole after any gap. POST …/cancel cancels (force: also IN_PROGRESS executions).
 */
import type { FastifyRequest } from 'fastify';
import type { ConsoleRouteKit } from '../routes.js';
import type { SignedCall } from '../dispatch.js';
import { ConsoleRefusal } from '../routes.js';
import { lastEventId, openEventStream } from './sse.js';

const REFRESH_MS = 2000;
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
    let id = lastEventId(request) ?? 0;
    const rows = new Map<string, ExecutionRow>();
    let lastJob = '';
    let things = new Set<string>();
    const refresh = async (described?: Record<string, unknown>) => {
      const job = ((described ?? (await call({ method: 'GET', path: `/jobs/${seg(jobId)}` }))).job ?? {}) as Record<string, unknown>;
      const summary = { jobId, status: job.status, jobProcessDetails: job.jobProcessDetails ?? {}, targets: job.targets, reasonCode: job.reasonCode, comment: job.comment, forceCanceled: job.forceCanceled };
      const jobText = JSON.stringify(summary);
      if (jobText !== lastJob) {
        lastJob = jobText;
        stream.send(++id, 'job', summary);
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
        stream.send(++id, 'execution', full);
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
    const timer = setInterval(kick, REFRESH_MS);
    await stream.closed;
    clearInterval(timer);
    stopWatching();
  });

  route('POST', '/console/api/flows/jobs/:jobId/cancel', async (request) => {
    const jobId = (request.params as { jobId: string }).jobId;
    const body = kit.jsonBody(request);
    if (body.force !== undefined && typeof body.force !== 'boolean') throw new ConsoleRefusal(400, 'InvalidRequestException', 'force must be true or false.');
    const comment = typeof body.comment === 'string' ? body.comment : undefined;
    return callerOf(request)({ method: 'PUT', path: `/jobs/${seg(jobId)}/cancel`, query: body.force ? { force: 'true' } : {}, body: { ...(comment ? { comment } : {}) } });
  });
}
