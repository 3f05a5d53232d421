import { appendFile } from 'node:fs/promises';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { newRequestId } from '../ids.js';
import type { Database } from '../store/schema.js';
import type { AuditEventsTable } from '../store/tables/audit.js';
import { RetentionPurge } from '../store/retention.js';

/** CloudTrail's event history keeps 90 days; so does Ferry's by default. */
export const DEFAULT_AUDIT_RETENTION_MS = 90 * 24 * 3600 * 1000;
export { PURGE_BATCH } from '../store/retention.js';

export interface AuditResource {
  ResourceType: string;
  ResourceName: string;
}

/**
 * One audit record, named as CloudTrail's LookupEvents names its fields
 * (EventId, EventTime, EventName, EventSource, ReadOnly, Username,
 * AccessKeyId, Resources), with the rest of CloudTrail's event record
 * (userIdentity, sourceIPAddress, userAgent, requestID, errorCode,
 * errorMessage) flattened beside them, and how it was decided.
 */
export interface AuditEvent {
  EventId: string;
  /** ISO 8601. */
  EventTime: string;
  EventSource: string;
  EventName: string;
  ReadOnly: boolean;
  /** CloudTrail userIdentity.type: Root, IAMUser, AssumedRole. */
  UserType: string;
  /** userIdentity.arn */
  UserArn: string;
  Username?: string;
  AccessKeyId?: string;
  SourceIPAddress?: string;
  UserAgent?: string;
  RequestID: string;
  Resources: AuditResource[];
  /** Allowed, ExplicitDeny or ImplicitDeny. */
  Decision: string;
  /** The statement that decided; absent: none matched ("no statement allows"). */
  DecidedBy?: string;
  ErrorCode?: string;
  ErrorMessage?: string;
  /** The HTTP status answered. */
  Status: number;
}

export type NewAuditEvent = Omit<AuditEvent, 'EventId' | 'EventTime'> & { eventTimeMs?: number };

export interface AuditQuery {
  sinceMs?: number;
  /** A user name or a caller ARN. */
  user?: string;
  /** An operation's name, e.g. CreateJob. */
  eventName?: string;
  deniedOnly?: boolean;
  maxResults?: number;
  /** From a previous page. */
  nextToken?: string;
}

export interface AuditPage {
  events: AuditEvent[];
  nextToken?: string;
}

export interface AuditLogOptions {
  db: Kysely<Database>;
  clock: Clock;
  logger: Logger;
  retentionMs?: number;
  /** Also append each event as a JSON line here (for a log shipper). */
  file?: string;
  /** In a cluster, the purge runs on one node at a time. */
  singleton?: { run(work: () => Promise<void>): Promise<boolean> };
}

/**
 * The audit log: written once per decided operator request, read by
 * `ferry audit`, purged past its retention in batches by a background task
 * that one node of a cluster runs at a time.
 */
export class AuditLog {
  readonly retentionMs: number;
  private readonly retention: RetentionPurge;
  private fileQueue: Promise<void> = Promise.resolve();

  constructor(private readonly opts: AuditLogOptions) {
    this.retentionMs = opts.retentionMs ?? DEFAULT_AUDIT_RETENTION_MS;
    this.retention = new RetentionPurge({
      what: 'audit events',
      clock: opts.clock,
      logger: opts.logger,
      retentionMs: this.retentionMs,
      singleton: opts.singleton,
      deleteBatch: async (cutoff, limit) => {
        const batch = await opts.db.selectFrom('audit_events').select('event_id').where('event_time', '<', cutoff).limit(limit).execute();
        if (batch.length > 0) await opts.db.deleteFrom('audit_events').where('event_id', 'in', batch.map((r) => r.event_id)).execute();
        return batch.length;
      },
    });
  }

  async record(input: NewAuditEvent): Promise<AuditEvent> {
    const { eventTimeMs, ...rest } = input;
    const time = eventTimeMs ?? this.opts.clock.now();
    const event: AuditEvent = { EventId: newRequestId(), EventTime: new Date(time).toISOString(), ...rest };
    await this.opts.db.insertInto('audit_events').values(toRow(event, time)).execute();
    if (this.opts.file) this.appendLine(event);
    return event;
  }

  /** JSON lines appended in order; a failure is logged, never fails the request (the database has the event). */
  private appendLine(event: AuditEvent): void {
    const file = this.opts.file!;
    this.fileQueue = this.fileQueue
      .then(() => appendFile(file, `${JSON.stringify(event)}\n`, { mode: 0o600 }))
      .catch((error: unknown) => this.opts.logger.error({ err: error, file }, 'appending to the audit file failed'));
  }

  /** Waits for pending file appends (tests, shutdown). */
  flush(): Promise<void> {
    return this.fileQueue;
  }

  /** Newest first. */
  async lookup(query: AuditQuery = {}): Promise<AuditPage> {
    const limit = Math.min(Math.max(query.maxResults ?? 50, 1), 1000);
    let q = this.opts.db.selectFrom('audit_events').selectAll();
    if (query.sinceMs !== undefined) q = q.where('event_time', '>=', query.sinceMs);
    if (query.user) q = q.where((eb) => eb.or([eb('username', '=', query.user!), eb('user_arn', '=', query.user!)]));
    if (query.eventName) q = q.where('event_name', '=', query.eventName);
    if (query.deniedOnly) q = q.where('decision', '<>', 'Allowed');
    const after = query.nextToken ? decodeToken(query.nextToken) : undefined;
    if (after) {
      q = q.where((eb) => eb.or([eb('event_time', '<', after.time), eb.and([eb('event_time', '=', after.time), eb('event_id', '<', after.id)])]));
    }
    const rows = await q.orderBy('event_time', 'desc').orderBy('event_id', 'desc').limit(limit + 1).execute();
    const page = rows.slice(0, limit).map(fromRow);
    const last = rows.length > limit ? rows[limit - 1] : undefined;
    return last ? { events: page, nextToken: encodeToken(last.event_time, last.event_id) } : { events: page };
  }

  /** Deletes events older than the retention, PURGE_BATCH at a time; returns how many. */
  purge(): Promise<number> {
    return this.retention.purge();
  }

  /** The purge, on one node of a cluster at a time; returns how many (0 when another node holds it). */
  purgeOnce(): Promise<number> {
    return this.retention.purgeOnce();
  }

  start(): void {
    this.retention.start();
  }

  async stop(): Promise<void> {
    this.retention.stop();
    await this.flush();
  }
}

function toRow(e: AuditEvent, time: number): AuditEventsTable {
  return {
    event_id: e.EventId,
    event_time: time,
    event_source: e.EventSource,
    event_name: e.EventName,
    read_only: e.ReadOnly ? 1 : 0,
    user_type: e.UserType,
    user_arn: e.UserArn,
    username: e.Username ?? null,
    access_key_id: e.AccessKeyId ?? null,
    source_ip: e.SourceIPAddress ?? null,
    user_agent: e.UserAgent ?? null,
    request_id: e.RequestID,
    resources: JSON.stringify(e.Resources),
    decision: e.Decision,
    decided_by: e.DecidedBy ?? null,
    error_code: e.ErrorCode ?? null,
    error_message: e.ErrorMessage ?? null,
    status: e.Status,
  };
}

function fromRow(r: AuditEventsTable): AuditEvent {
  const e: AuditEvent = {
    EventId: r.event_id,
    EventTime: new Date(Number(r.event_time)).toISOString(),
    EventSource: r.event_source,
    EventName: r.event_name,
    ReadOnly: Number(r.read_only) === 1,
    UserType: r.user_type,
    UserArn: r.user_arn,
    RequestID: r.request_id,
    Resources: JSON.parse(r.resources) as AuditResource[],
    Decision: r.decision,
    Status: Number(r.status),
  };
  if (r.username !== null) e.Username = r.username;
  if (r.access_key_id !== null) e.AccessKeyId = r.access_key_id;
  if (r.source_ip !== null) e.SourceIPAddress = r.source_ip;
  if (r.user_agent !== null) e.UserAgent = r.user_agent;
  if (r.decided_by !== null) e.DecidedBy = r.decided_by;
  if (r.error_code !== null) e.ErrorCode = r.error_code;
  if (r.error_message !== null) e.ErrorMessage = r.error_message;
  return e;
}

const encodeToken = (time: number, id: string): string => Buffer.from(JSON.stringify([Number(time), id])).toString('base64url');

function decodeToken(token: string): { time: number; id: string } | undefined {
  try {
    const [time, id] = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as [number, string];
    return typeof time === 'number' && typeof id === 'string' ? { time, id } : undefined;
  } catch {
    return undefined;
  }
}
