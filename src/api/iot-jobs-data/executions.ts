/**
 * The Jobs HTTPS data plane's four operations (restJson1, the
 * iot-jobs-data-plane Smithy model), each calling the same jobs-service
 * function as its MQTT twin in ../jobs-mqtt/ and shaping the same JobExecution
 * (../jobs-device/shapes.ts) with the document as a JSON string. Changes are
 * announced after the reply, exactly as an MQTT request's are: notify,
 * notify-next and events go out on MQTT whichever protocol made the change.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FerryError } from '../../errors.js';
import type { Announced, DeviceOutcome } from '../../jobs/index.js';
import { refusalError, type Refusal } from '../../jobs/state-machine.js';
import type { JobExecution } from '../../jobs/types.js';
import { jsonBody, pathLabel, queryBoolean, queryInteger, sendJson } from '../../protocols/rest-json.js';
import type { AppContext } from '../../server/context.js';
import { checkJobId, NEXT, startNextRequestOf, updateRequestOf } from '../jobs-device/fields.js';
import { documentAs, executionShape, stateShape, summaryShape } from '../jobs-device/shapes.js';

export interface OperationContext {
  ctx: AppContext;
  request: FastifyRequest;
  reply: FastifyReply;
  thingName: string;
}

const HTTPS_SHAPE = { withThingName: true, document: 'json' } as const;

/** GET /things/{thingName}/jobs */
export async function getPending({ ctx, thingName }: OperationContext): Promise<unknown> {
  const lists = await ctx.services.jobs.pending(thingName);
  return { inProgressJobs: lists.inProgress.map(summaryShape), queuedJobs: lists.queued.map(summaryShape) };
}

/** PUT /things/{thingName}/jobs/$next: nothing pending answers `{}`. */
export async function startNext(c: OperationContext): Promise<FastifyReply> {
  const outcome = await c.ctx.services.jobs.startNext(c.thingName, startNextRequestOf(jsonBody(c.request)));
  return replyThenAnnounce(c, outcome, (value) => (value ? { execution: executionShape(value, c.ctx.clock.now(), HTTPS_SHAPE) } : {}));
}

/** GET /things/{thingName}/jobs/{jobId}?includeJobDocument&executionNumber (jobId may be `$next`). */
export async function describe({ ctx, request, thingName }: OperationContext): Promise<unknown> {
  const jobId = checkJobId(pathLabel(request, 'jobId'), { next: true });
  const found = await ctx.services.jobs.describeForDevice(thingName, jobId, {
    executionNumber: queryInteger(request, 'executionNumber', 0, Number.MAX_SAFE_INTEGER),
    // The model: "Unless set to false, the response contains the job document."
    includeJobDocument: queryBoolean(request, 'includeJobDocument') ?? true,
  });
  return found ? { execution: executionShape(found, ctx.clock.now(), HTTPS_SHAPE) } : {};
}

/** POST /things/{thingName}/jobs/{jobId} */
export async function update(c: OperationContext): Promise<FastifyReply> {
  const jobId = checkJobId(pathLabel(c.request, 'jobId'), { next: false });
  const { request, includeJobExecutionState, includeJobDocument } = updateRequestOf(jsonBody(c.request));
  const outcome = await c.ctx.services.jobs.update(c.thingName, jobId, request, { includeJobDocument });
  return replyThenAnnounce(c, outcome, (value) => ({
    ...(includeJobExecutionState ? { executionState: stateShape(value.execution) } : {}),
    ...(includeJobDocument ? { jobDocument: documentAs(value.document, 'json') } : {}),
  }));
}

/** StartNext's path names `$next` only (it is PUT /things/{thingName}/jobs/$next in the model). */
export const isNext = (request: FastifyRequest): boolean => pathLabel(request, 'jobId') === NEXT;

/**
 * Answers, then announces what the change means. The announcements start as
 * the reply is handed over, not once it has gone, so the service counts them
 * as in flight (settled(), a graceful stop) before the client can hear back.
 */
async function replyThenAnnounce<T>(c: OperationContext, outcome: Announced<DeviceOutcome<T>>, body: (value: T) => object): Promise<FastifyReply> {
  const result = outcome.value;
  if (!result.ok) throw refusalOf(result.refusal, result.current);
  void sendJson(c.reply, body(result.value));
  await outcome.announce();
  return c.reply;
}

/**
 * A refused transition in the model's shape: a version mismatch or an impossible
 * transition is InvalidStateTransitionException, whose body "also contains the
 * executionState field" (the model's documentation of that error).
 */
function refusalOf(refusal: Refusal, current: JobExecution): FerryError {
  const error = refusalError(refusal);
  if (refusal.code !== 'VersionMismatch' && refusal.code !== 'InvalidStateTransition') return error;
  return new FerryError(error.kind, error.message, { ...error.details, members: { executionState: stateShape(current) } });
}
