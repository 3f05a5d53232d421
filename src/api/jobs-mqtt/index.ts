/**
 * The Jobs MQTT API (aws-wire-protocols.md §1): the adapter between the
 * broker's device-messaging seam and the jobs service. One handler per
 * request topic (get, start-next, {jobId}/get, {jobId}/update), each calling
 * the same jobs-service function as its HTTPS twin in ../iot-jobs-data/;
 * answers go to the requester only. It also implements the service's
 * JobsAnnouncer: notify, notify-next and events, whatever caused the change.
 */
import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import type { JobsAnnouncer } from '../../jobs/announcer.js';
import type { JobsService } from '../../jobs/service.js';
import type { DeviceMessaging, DeviceRequest } from '../../mqtt/device-messaging.js';
import { MqttJobsAnnouncer } from './announcer.js';
import type { HandlerContext } from './context.js';
import { handleDescribe } from './describe.js';
import { handleGetPending } from './get.js';
import { clientTokenOf, parsePayload, Rejection, rejectionOfError, Responder, routeOf, type Operation } from './requests.js';
import { handleStartNext } from './start-next.js';
import { handleUpdate } from './update.js';

export interface JobsMqttDeps {
  messaging: DeviceMessaging;
  jobs: JobsService;
  clock: Clock;
  logger: Logger;
  thingArn: (thingName: string) => string;
  /** In a cluster: the announcer that hands each device's notifications to the node holding it, given this node's. */
  relay?: (local: MqttJobsAnnouncer) => JobsAnnouncer & { stop(): void };
  observeNotification?: (seconds: number) => void;
}

export const JOBS_REQUEST_FILTER = '$aws/things/+/jobs/#';

/** Starts answering device requests and publishing notifications; `stop` ends both. */
export function startJobsMqtt(deps: JobsMqttDeps): { stop(): void } {
  const stopConsuming = deps.messaging.consume(JOBS_REQUEST_FILTER, (request) => handleRequest(deps, request));
  const local = new MqttJobsAnnouncer(deps);
  const announcer = deps.relay?.(local);
  const stopListening = deps.jobs.announceTo(announcer ?? local);
  return {
    stop() {
      stopConsuming();
      stopListening();
      announcer?.stop();
    },
  };
}

export async function handleRequest(deps: JobsMqttDeps, request: DeviceRequest): Promise<void> {
  let respond = new Responder(deps.messaging, deps.clock, request, undefined);
  try {
    const route = routeOf(request.topic);
    if (!route) throw new Rejection('InvalidTopic', `${request.topic} is not a Jobs API topic.`);
    const body = parsePayload(request.payload);
    respond = new Responder(deps.messaging, deps.clock, request, clientTokenOf(body));
    await dispatch({ jobs: deps.jobs, clock: deps.clock, thingName: route.thingName, body, respond }, route.op);
  } catch (error) {
    const rejection = rejectionOfError(error);
    if (!rejection) deps.logger.error({ err: error, topic: request.topic, clientId: request.connection.clientId }, 'jobs request failed');
    await respond.rejected(rejection ?? new Rejection('InternalError', 'The request could not be processed; try again.'));
  }
}

function dispatch(c: HandlerContext, op: Operation): Promise<void> {
  switch (op.kind) {
    case 'get':
      return handleGetPending(c);
    case 'start-next':
      return handleStartNext(c);
    case 'describe':
      return handleDescribe(c, op.jobId);
    case 'update':
      return handleUpdate(c, op.jobId);
  }
}
