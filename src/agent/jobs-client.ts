/**
 * The Jobs MQTT API, device side (aws-wire-protocols.md §1): requests are
 * published to `$aws/things/{thing}/jobs/…` with a clientToken, and the
 * answer on `…/accepted` or `…/rejected` is matched by that token (as the
 * AWS v2 SDK and Device Client do). notify-next is passed to listeners.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Connection } from './connection.js';
import { executionOf, JobsRejected, JobsTimeout, type JobsApi, type JobsApiEvents, type UpdateAccepted, type UpdateRequest } from './jobs-api.js';
import type { JobExecution, StatusDetails } from './types.js';

export { JobsRejected, JobsTimeout, type UpdateRequest, type UpdateAccepted } from './jobs-api.js';

interface Pending {
  topic: string;
  resolve(payload: Record<string, unknown>): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** The Jobs MQTT API's JobsApi. */
export class JobsClient extends EventEmitter<JobsApiEvents> implements JobsApi {
  private readonly pending = new Map<string, Pending>();
  private readonly prefix: string;
  private counter = 0;

  constructor(
    private readonly connection: Connection,
    readonly thingName: string,
    private readonly timeoutMs = 30_000,
  ) {
    super();
    this.prefix = `$aws/things/${thingName}/jobs/`;
    connection.on('message', (topic, payload) => this.onMessage(topic, payload));
    // Answers to requests sent on a connection that is gone will not come.
    connection.on('offline', () => this.failPending(new JobsTimeout('a request: the connection closed')));
  }

  /**
   * The filters the agent subscribes to. Each lies under `…/jobs/`, so the
   * story's device policy (`topicfilter/$aws/things/${thing}/jobs/*`) allows them.
   */
  get filters(): string[] {
    const p = this.prefix;
    return [`${p}notify-next`, `${p}start-next/+`, `${p}+/get/+`, `${p}+/update/+`];
  }

  /** Subscribes; returns the filters the broker refused (the agent still works: answers go to the requester). */
  subscribe(): Promise<string[]> {
    return this.connection.subscribe(this.filters);
  }

  /** StartNextPendingJobExecution: IN_PROGRESS first, then QUEUED (§1.3); undefined when nothing is pending. */
  async startNext(req: { statusDetails?: StatusDetails; stepTimeoutInMinutes?: number } = {}): Promise<JobExecution | undefined> {
    const answer = await this.request('start-next', req);
    return executionOf(answer.execution);
  }

  /** DescribeJobExecution (`$next` allowed); the document's presigned links are signed afresh (§5). */
  async describe(jobId: string, req: { executionNumber?: number; includeJobDocument?: boolean } = {}): Promise<JobExecution | undefined> {
    const answer = await this.request(`${jobId}/get`, { includeJobDocument: true, ...req });
    return executionOf(answer.execution);
  }

  async update(jobId: string, req: UpdateRequest): Promise<UpdateAccepted> {
    return (await this.request(`${jobId}/update`, req)) as UpdateAccepted;
  }

  private request(op: string, body: object): Promise<Record<string, unknown>> {
    const topic = this.prefix + op;
    const clientToken = `${randomBytes(8).toString('hex')}-${(this.counter += 1)}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(clientToken);
        reject(new JobsTimeout(topic));
      }, this.timeoutMs);
      this.pending.set(clientToken, { topic, resolve, reject, timer });
      this.connection.publish(topic, { ...body, clientToken }).catch((e: Error) => {
        const p = this.pending.get(clientToken);
        if (!p) return;
        this.settle(clientToken);
        p.reject(new JobsTimeout(`${topic} (${e.message})`));
      });
    });
  }

  private onMessage(topic: string, payload: Buffer): void {
    if (!topic.startsWith(this.prefix)) return;
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
    } catch {
      return;
    }
    if (topic === `${this.prefix}notify-next`) {
      this.emit('notify-next', executionOf(message.execution));
      return;
    }
    const answer = /^(.*)\/(accepted|rejected)$/.exec(topic);
    const token = typeof message.clientToken === 'string' ? message.clientToken : undefined;
    const p = token ? this.pending.get(token) : undefined;
    if (!answer || !p || p.topic !== answer[1]) return;
    this.settle(token!);
    if (answer[2] === 'accepted') p.resolve(message);
    else {
      const state = message.executionState as JobsRejected['executionState'];
      p.reject(new JobsRejected(String(message.code ?? 'Unknown'), String(message.message ?? ''), state));
    }
  }

  private settle(token: string): void {
    const p = this.pending.get(token);
    if (p) clearTimeout(p.timer);
    this.pending.delete(token);
  }

  failPending(error: Error): void {
    for (const [token, p] of [...this.pending]) {
      this.settle(token);
      p.reject(error);
    }
  }
}
