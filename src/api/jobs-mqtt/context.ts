import type { Clock } from '../../clock.js';
import type { JobsService } from '../../jobs/service.js';
import type { Responder } from './requests.js';

/** What each request handler gets: the engine, the clock, the thing named by the topic, the payload, the responder. */
export interface HandlerContext {
  jobs: JobsService;
  clock: Clock;
  thingName: string;
  body: Record<string, unknown>;
  respond: Responder;
}
