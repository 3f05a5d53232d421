/**
 * A scripted stand-in for the jobs engine while it is being built: it takes
 * the devices' Jobs requests from the real broker through the server's
 * device-messaging seam (src/mqtt/device-messaging.ts — the same hook the jobs
 * engine uses) and answers them as aws-wire-protocols.md §1 says, with the
 * real execution state machine (src/jobs/state-machine.ts) and the real
 * placeholder rendering (src/jobs/document.ts), links signed with the
 * server's clock. The agent sees a real server over real sockets; only the
 * job store is this in-memory map. Tests against the real engine are in
 * engine.test.ts.
 */
import { EventEmitter } from 'node:events';
import { renderDocument, type S3Location } from '../../src/jobs/document.js';
import { applyDeviceUpdate, applyServiceTransition, executionStateOf, isTerminal, startNext } from '../../src/jobs/state-machine.js';
import type { JobExecution } from '../../src/jobs/types.js';
import type { DeviceRequest } from '../../src/mqtt/device-messaging.js';
import { presignUrl } from '../../src/protocols/sigv4/presign.js';
import type { TestServer } from '../helpers/server.js';

interface Entry {
  exec: JobExecution;
  document: unknown;
  /** Every update the device sent for this execution, in order. */
  updates: Array<Record<string, unknown>>;
  /** How many times the document went to the device (each with fresh links). */
  deliveries: number;
}

const JOBS_TOPIC = /^\$aws\/things\/([^/]+)\/jobs\/(.+)$/;
const seconds = (ms: number) => Math.floor(ms / 1000);
const encodeKey = (key: string) => key.split('/').map(encodeURIComponent).join('/');

export class ScriptedJobs extends EventEmitter {
  private readonly entries = new Map<string, Entry[]>();
  private readonly stopConsuming: () => void;
  /** Links in documents point here (S3 itself by default)… */
  s3Origin: string;
  /** …or, for some things, here (a proxy in front of S3). */
  readonly originFor = new Map<string, string>();
  expiresSec = 3600;
  /** Requests seen, by operation (start-next, get, update…), for assertions. */
  readonly requests: Array<{ thing: string; op: string; payload: Record<string, unknown> }> = [];

  constructor(private readonly s: TestServer) {
    super();
    this.s3Origin = s.endpoints.endpoints.s3;
    this.stopConsuming = s.server.ctx.services.deviceMessaging.consume('$aws/things/+/jobs/#', (r) => this.handle(r));
  }

  stop(): void {
    this.stopConsuming();
  }

  /** Queues a job for a thing; notify-next goes out when it becomes the thing's next. */
  async queue(thing: string, jobId: string, document: unknown): Promise<void> {
    const now = this.s.clock.now();
    const list = this.entries.get(thing) ?? [];
    const before = this.next(thing);
    list.push({
      exec: { jobId, thingName: thing, status: 'QUEUED', statusDetails: {}, queuedAtMs: now, lastUpdatedAtMs: now, executionNumber: 1, versionNumber: 1, retryAttempt: 0, forceCanceled: false },
      document,
      updates: [],
      deliveries: 0,
    });
    this.entries.set(thing, list);
    if (this.next(thing) !== before) await this.notifyNext(thing);
  }

  entry(thing: string, jobId: string): Entry {
    const e = this.entries.get(thing)?.find((x) => x.exec.jobId === jobId);
    if (!e) throw new Error(`no job ${jobId} for ${thing}`);
    return e;
  }

  /** Resolves with the execution once `done` holds (default: terminal). Event-driven, no polling. */
  until(thing: string, jobId: string, done: (e: Entry) => boolean = (e) => isTerminal(e.exec.status)): Promise<Entry> {
    return new Promise((resolve) => {
      const check = () => {
        const e = this.entries.get(thing)?.find((x) => x.exec.jobId === jobId);
        if (e && done(e)) {
          this.off('change', check);
          resolve(e);
          return true;
        }
        return false;
      };
      if (!check()) this.on('change', check);
    });
  }

  /** CancelJobExecution with force (the device hears of it through its next update or notify-next). */
  async cancel(thing: string, jobId: string): Promise<void> {
    const e = this.entry(thing, jobId);
    const r = applyServiceTransition(e.exec, { kind: 'cancel', force: true }, this.s.clock.now());
    if (!r.ok) throw new Error(r.message);
    e.exec = r.next;
    this.emit('change');
    await this.notifyNext(thing);
  }

  private next(thing: string): Entry | undefined {
    const list = this.entries.get(thing) ?? [];
    return list.find((e) => e.exec.status === 'IN_PROGRESS') ?? list.find((e) => e.exec.status === 'QUEUED');
  }

  private signer = (origin: string) => (loc: S3Location): string =>
    presignUrl({
      method: 'GET',
      origin,
      path: `/${loc.bucket}/${encodeKey(loc.key)}`,
      accessKeyId: this.s.credentials.accessKeyId,
      secretAccessKey: this.s.credentials.secretAccessKey,
      region: this.s.endpoints.region,
      service: 's3',
      expiresSec: this.expiresSec,
      nowMs: this.s.clock.now(),
    });

  /** The MQTT form of an execution (§1.4), the document rendered with fresh links. */
  private wire(e: Entry, withDocument = true): Record<string, unknown> {
    const x = e.exec;
    if (withDocument) e.deliveries += 1;
    return {
      jobId: x.jobId,
      thingName: x.thingName,
      ...(withDocument ? { jobDocument: this.render(e) } : {}),
      status: x.status,
      ...(Object.keys(x.statusDetails).length ? { statusDetails: x.statusDetails } : {}),
      queuedAt: seconds(x.queuedAtMs),
      ...(x.startedAtMs !== undefined ? { startedAt: seconds(x.startedAtMs) } : {}),
      lastUpdatedAt: seconds(x.lastUpdatedAtMs),
      versionNumber: x.versionNumber,
      executionNumber: x.executionNumber,
    };
  }

  private render(e: Entry): unknown {
    const origin = this.originFor.get(e.exec.thingName) ?? this.s3Origin;
    return renderDocument(e.document, this.signer(origin), [this.s.endpoints.endpoints.s3, origin]);
  }

  private async notifyNext(thing: string): Promise<void> {
    const next = this.next(thing);
    const execution = next ? this.wire(next) : undefined;
    if (execution) delete execution.thingName; // §1.5: absent in notify-next
    await this.s.server.ctx.services.deviceMessaging.publish({
      topic: `$aws/things/${thing}/jobs/notify-next`,
      payload: { timestamp: seconds(this.s.clock.now()), ...(execution ? { execution } : {}) },
      qos: 1,
    });
  }

  private async handle(r: DeviceRequest): Promise<void> {
    const m = JOBS_TOPIC.exec(r.topic);
    if (!m) return;
    const [, thing = '', rest = ''] = m;
    let payload: Record<string, unknown>;
    try {
      payload = JSON.parse(r.payload.toString('utf8')) as Record<string, unknown>;
    } catch {
      return this.reply(r, false, { code: 'InvalidJson', message: 'not JSON' }, undefined);
    }
    const token = typeof payload.clientToken === 'string' ? payload.clientToken : undefined;
    const ok = (body: object) => this.reply(r, true, body, token);
    const no = (code: string, message: string, e?: Entry) => this.reply(r, false, { code, message, ...(e ? { executionState: executionStateOf(e.exec) } : {}) }, token);
    const now = this.s.clock.now();
    const op = rest === 'start-next' || rest === 'get' ? rest : rest.replace(/^[^/]+\//, '');
    this.requests.push({ thing, op, payload });

    if (rest === 'start-next') {
      const next = this.next(thing);
      if (!next) return ok({});
      const res = startNext(next.exec, payload, { nowMs: now });
      if (!res.ok) return no(res.code, res.message, next);
      next.exec = res.next;
      this.emit('change');
      return ok({ execution: this.wire(next) });
    }
    const jobOp = /^([^/]+)\/(get|update)$/.exec(rest);
    if (!jobOp) return no('InvalidTopic', `${r.topic} is not a Jobs API topic`);
    const [, jobId = '', verb] = jobOp;
    const e = jobId === '$next' ? this.next(thing) : this.entries.get(thing)?.find((x) => x.exec.jobId === jobId);
    if (verb === 'get') {
      if (!e) return jobId === '$next' ? ok({}) : no('ResourceNotFound', `No job execution ${jobId} for ${thing}`);
      return ok({ execution: this.wire(e, payload.includeJobDocument !== false) });
    }
    if (!e) return no('ResourceNotFound', `No job execution ${jobId} for ${thing}`);
    e.updates.push(payload);
    const res = applyDeviceUpdate(e.exec, payload as { status: string }, { nowMs: now });
    if (!res.ok) {
      this.emit('change');
      return no(res.code, res.message, e);
    }
    const wasNext = this.next(thing);
    e.exec = res.next;
    await ok({});
    this.emit('change');
    if (this.next(thing) !== wasNext) await this.notifyNext(thing);
  }

  private async reply(r: DeviceRequest, accepted: boolean, body: object, token: string | undefined): Promise<void> {
    await this.s.server.ctx.services.deviceMessaging.reply(r, {
      topic: `${r.topic}/${accepted ? 'accepted' : 'rejected'}`,
      payload: { ...body, timestamp: seconds(this.s.clock.now()), ...(token ? { clientToken: token } : {}) },
      qos: 1,
    });
  }
}
