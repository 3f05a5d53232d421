import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { SqlDialect } from '../store/migrations/types.js';
import { RetentionPurge } from '../store/retention.js';
import type { Database } from '../store/schema.js';
import type { HistoryEventsTable, HistoryLinksTable } from '../store/tables/history.js';
import type { HistoryEvent, HistoryKind, HistoryPage, HistoryQuery, HistorySink, IssuedLink, LinkUse, NewHistoryEvent } from './events.js';
import { signatureDigest, signatureOf } from './links.js';

/** Thirty days, unless [history] retentionDays says otherwise. */
export const DEFAULT_HISTORY_RETENTION_MS = 30 * 24 * 3600 * 1000;
/** Events wait this long in memory so a burst (a job created for 10,000 things) is one write. */
const FLUSH_DELAY_MS = 25;
const FLUSH_NOW_AT = 1000;
const INSERT_CHUNK = 200;
/** A download seen before its link was written (issued on another node, not flushed yet) is looked for again, this often, this many times. */
const USE_RETRY_MS = 500;
const USE_TRIES = 10;
/** PostgreSQL: every node's history writes take this transaction lock, so ids become visible in the order they were given. */
const WRITE_LOCK = 2_022_017;

type EventRow = Omit<HistoryEventsTable, 'id'>;
type LinkRow = Omit<HistoryLinksTable, 'id'>;
interface PendingUse {
  use: LinkUse;
  digest: string;
  atMs: number;
  tries: number;
  /** Its place among everything recorded on this node (see write). */
  seq: number;
}

export interface HistoryOptions {
  db: Kysely<Database>;
  dialect: SqlDialect;
  clock: Clock;
  logger: Logger;
  /** This node's name, recorded with each event. */
  node: string;
  retentionMs?: number | undefined;
  /** In a cluster, the purge runs on one node at a time. */
  singleton?: { run(work: () => Promise<void>): Promise<boolean> } | undefined;
}

/**
 * The event history: adapters hand it events (HistorySink: in memory, at
 * once), it writes them in batches — one transaction per batch, a
 * cluster-wide lock on PostgreSQL so ids are committed in increasing order
 * and a reader resuming after an id never misses one — and answers per thing
 * and per job, oldest first. A reader on this node first waits for what this
 * node still holds. Purged past its retention by the shared RetentionPurge.
 * An event still in memory when the process dies is lost: the history is a
 * record for people, not the jobs' state.
 */
export class History implements HistorySink {
  readonly retention: RetentionPurge;
  private events: Array<{ row: EventRow; link?: LinkRow; seq: number }> = [];
  /** The order things were recorded in: a download's link.used is written in its place, not after the rest of its batch. */
  private seq = 0;
  private uses: PendingUse[] = [];
  private writing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly watchers = new Set<(jobIds: ReadonlySet<string>) => void>();

  constructor(private readonly opts: HistoryOptions) {
    this.retention = new RetentionPurge({
      what: 'history events',
      clock: opts.clock,
      logger: opts.logger,
      retentionMs: opts.retentionMs ?? DEFAULT_HISTORY_RETENTION_MS,
      singleton: opts.singleton,
      deleteBatch: (cutoff, limit) => this.deleteBatch(cutoff, limit),
    });
  }

  record(event: NewHistoryEvent): void {
    this.events.push({ row: this.rowOf(event), seq: ++this.seq });
    this.schedule();
  }

  linkIssued(link: IssuedLink): void {
    const signature = signatureOf(link.url);
    if (!signature) return;
    const at = this.opts.clock.now();
    const expiresAt = at + link.expiresSec * 1000;
    const row = this.rowOf({ ...link, kind: 'link.issued', atMs: at, details: { bucket: link.bucket, key: link.key, expiresAt: new Date(expiresAt).toISOString() } });
    const linkRow: LinkRow = {
      signature_digest: signatureDigest(signature),
      issued_at: at,
      expires_at: expiresAt,
      thing_name: link.thingName ?? null,
      job_id: link.jobId ?? null,
      execution_number: link.executionNumber ?? null,
      bucket: link.bucket,
      object_key: link.key,
      used_at: null,
    };
    this.events.push({ row, link: linkRow, seq: ++this.seq });
    this.schedule();
  }

  linkUsed(use: LinkUse): void {
    this.uses.push({ use, digest: signatureDigest(use.signature), atMs: this.opts.clock.now(), tries: 0, seq: ++this.seq });
    this.schedule();
  }

  /** Writes everything recorded so far; resolves once it is in the store. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.writing = this.writing.then(() => this.write()).catch((error: unknown) => this.opts.logger.error({ err: error }, 'writing the event history failed'));
    return this.writing;
  }

  /** Oldest first, by thing and/or job, after an id. */
  async list(query: HistoryQuery = {}): Promise<HistoryPage> {
    await this.flush();
    const limit = Math.min(Math.max(query.limit ?? 100, 1), 1000);
    let q = this.opts.db.selectFrom('history_events').selectAll();
    if (query.thingName !== undefined) q = q.where('thing_name', '=', query.thingName);
    if (query.jobId !== undefined) q = q.where('job_id', '=', query.jobId);
    if (query.after !== undefined) q = q.where('id', '>', query.after);
    const rows = await q.orderBy('id', query.latest ? 'desc' : 'asc').limit(limit).execute();
    if (query.latest) rows.reverse();
    const events = rows.map(eventOf);
    return { events, lastId: events.at(-1)?.id ?? query.after ?? 0 };
  }

  /** Told, after each write on this node, which jobs it had events of (a live page reads them then, not on its next poll). */
  onWritten(watcher: (jobIds: ReadonlySet<string>) => void): () => void {
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  start(): void {
    this.retention.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.retention.stop();
    this.uses = this.uses.filter((u) => u.tries === 0);
    await this.flush();
  }

  private rowOf(e: NewHistoryEvent): EventRow {
    return {
      event_time: e.atMs ?? this.opts.clock.now(),
      kind: e.kind,
      thing_name: e.thingName ?? null,
      client_id: e.clientId ?? null,
      job_id: e.jobId ?? null,
      execution_number: e.executionNumber ?? null,
      details: JSON.stringify(e.details ?? {}),
      node: this.opts.node,
    };
  }

  private schedule(delayMs = FLUSH_DELAY_MS): void {
    if (this.events.length >= FLUSH_NOW_AT) {
      void this.flush();
      return;
    }
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => void this.flush(), delayMs);
    this.timer.unref();
  }

  private async write(): Promise<void> {
    const events = this.events;
    const uses = this.uses;
    this.events = [];
    this.uses = [];
    if (events.length === 0 && uses.length === 0) return;
    const unresolved = await this.opts.db.transaction().execute(async (trx) => {
      if (this.opts.dialect === 'postgres') await sql`select pg_advisory_xact_lock(${WRITE_LOCK})`.execute(trx);
      const links = events.flatMap((e) => (e.link ? [e.link] : []));
      for (let i = 0; i < links.length; i += INSERT_CHUNK) await trx.insertInto('history_links').values(links.slice(i, i + INSERT_CHUNK)).execute();
      const resolved = uses.length > 0 ? await this.resolveUses(trx, uses) : { unresolved: [], used: [] };
      // A device that downloads, then reports SUCCEEDED, within one batch: its link.used keeps its place before the status.
      const rows = [...events, ...resolved.used].sort((a, b) => a.seq - b.seq).map((e) => e.row);
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) await trx.insertInto('history_events').values(rows.slice(i, i + INSERT_CHUNK)).execute();
      return resolved.unresolved;
    });
    const jobIds = new Set(events.flatMap((e) => (e.row.job_id === null ? [] : [e.row.job_id])));
    // A link.used is written for a download's job (unknown until resolved), so a use tells every watcher.
    if (uses.length > unresolved.length) jobIds.add('*');
    if (jobIds.size > 0) for (const watcher of this.watchers) watcher(jobIds);
    const retry = unresolved.filter((u) => ++u.tries < USE_TRIES);
    if (retry.length > 0 && !this.stopped) {
      this.uses.push(...retry);
      this.schedule(USE_RETRY_MS);
    }
  }

  /** Marks each download's link used, the first time only; returns the `link.used` events to write, and the uses whose link is not (yet) known. */
  private async resolveUses(trx: Transaction<Database>, uses: PendingUse[]): Promise<{ unresolved: PendingUse[]; used: Array<{ row: EventRow; seq: number }> }> {
    const digests = [...new Set(uses.map((u) => u.digest))];
    const rows = await trx.selectFrom('history_links').selectAll().where('signature_digest', 'in', digests).orderBy('id').execute();
    const unresolved: PendingUse[] = [];
    const used: Array<{ row: EventRow; seq: number }> = [];
    for (const use of uses) {
      const matching = rows.filter((r) => r.signature_digest === use.digest && r.bucket === use.use.bucket && r.object_key === use.use.key);
      if (matching.length === 0) {
        unresolved.push(use);
        continue;
      }
      // The same URL goes to several deliveries when they are signed in the same second by the same role session:
      // its first download is recorded once, for the earliest of them (which device fetched it cannot be told).
      if (matching.some((r) => r.used_at !== null)) continue;
      const link = matching[0]!;
      const updated = await trx
        .updateTable('history_links')
        .set({ used_at: use.atMs })
        .where('signature_digest', '=', use.digest)
        .where('bucket', '=', link.bucket)
        .where('object_key', '=', link.object_key)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) continue;
      for (const r of matching) r.used_at = use.atMs;
      const row = this.rowOf({
        kind: 'link.used',
        atMs: use.atMs,
        thingName: link.thing_name ?? undefined,
        jobId: link.job_id ?? undefined,
        executionNumber: link.execution_number === null ? undefined : Number(link.execution_number),
        details: { bucket: link.bucket, key: link.object_key, issuedAt: new Date(Number(link.issued_at)).toISOString() },
      });
      used.push({ row, seq: use.seq });
    }
    return { unresolved, used };
  }

  private async deleteBatch(cutoff: number, limit: number): Promise<number> {
    const db = this.opts.db;
    const events = await db.selectFrom('history_events').select('id').where('event_time', '<', cutoff).limit(limit).execute();
    if (events.length > 0) await db.deleteFrom('history_events').where('id', 'in', events.map((r) => r.id)).execute();
    const links = await db.selectFrom('history_links').select('id').where('issued_at', '<', cutoff).limit(limit).execute();
    if (links.length > 0) await db.deleteFrom('history_links').where('id', 'in', links.map((r) => r.id)).execute();
    return Math.max(events.length, links.length);
  }
}

function eventOf(r: Selectable<HistoryEventsTable>): HistoryEvent {
  const e: HistoryEvent = {
    id: Number(r.id),
    time: new Date(Number(r.event_time)).toISOString(),
    kind: r.kind as HistoryKind,
    details: JSON.parse(r.details) as Record<string, unknown>,
    node: r.node,
  };
  if (r.thing_name !== null) e.thingName = r.thing_name;
  if (r.client_id !== null) e.clientId = r.client_id;
  if (r.job_id !== null) e.jobId = r.job_id;
  if (r.execution_number !== null) e.executionNumber = Number(r.execution_number);
  return e;
}
