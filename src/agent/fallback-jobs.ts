/**
 * `--transport auto`: the Jobs MQTT API while the broker can be reached, the
 * HTTPS data plane while it cannot. Each request goes by whichever is usable
 * at the moment it is made; notify-next from either reaches the job loop.
 */
import { EventEmitter } from 'node:events';
import type { JobsApi, JobsApiEvents, UpdateAccepted, UpdateRequest } from './jobs-api.js';
import type { JobExecution, StatusDetails } from './types.js';

export class FallbackJobs extends EventEmitter<JobsApiEvents> implements JobsApi {
  readonly thingName: string;

  constructor(
    private readonly mqtt: JobsApi,
    private readonly https: JobsApi,
    /** True while the MQTT connection is up. */
    private readonly mqttUsable: () => boolean,
  ) {
    super();
    this.thingName = mqtt.thingName;
    for (const source of [mqtt, https]) source.on('notify-next', (e) => this.emit('notify-next', e));
  }

  /** The client requests go through now. */
  get current(): JobsApi {
    return this.mqttUsable() ? this.mqtt : this.https;
  }

  startNext(req?: { statusDetails?: StatusDetails; stepTimeoutInMinutes?: number }): Promise<JobExecution | undefined> {
    return this.current.startNext(req);
  }

  describe(jobId: string, req?: { executionNumber?: number; includeJobDocument?: boolean }): Promise<JobExecution | undefined> {
    return this.current.describe(jobId, req);
  }

  update(jobId: string, req: UpdateRequest): Promise<UpdateAccepted> {
    return this.current.update(jobId, req);
  }
}
