/**
 * The TLS session-ticket keys every node of a cluster uses, kept in the
 * database (tls_ticket_keys) sealed under the key-encryption key, so a device
 * whose session was made through one node resumes it through any other.
 *
 * Each key becomes current at its `active_from` (by the clock of whoever
 * reads it) and is replaced every rotation period: whichever node first finds
 * the current key due makes the next one, `LEAD_MS` ahead of its activation,
 * so every node has loaded it by then (its id follows from its activation
 * time, so two nodes making it at once make one row). Tickets are sealed with
 * the current key; a ticket sealed with any other key still kept (the one
 * just replaced, for a rotation period, or one another node already switched
 * to) is still opened — see ticket-routing.ts — so a rotation costs no
 * resumption. Keys older than three periods are deleted.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { seal, unseal, type Kek } from '../pki/kek.js';
import type { Database } from '../store/schema.js';

/** 48 bytes: OpenSSL's key name (16), HMAC secret (16) and AES key (16), as tls.Server's `ticketKeys`. */
export interface TicketKey {
  keyId: string;
  key: Buffer;
  activeFrom: number;
}

export const LEAD_MS = 60_000;
const REFRESH_MS = 30_000;

export class TicketKeys {
  private keys: TicketKey[] = [];
  private readonly listeners = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: { db: Kysely<Database>; kek: Kek; clock: Clock; rotationMs: number; logger: Logger }) {}

  /** The key new tickets are sealed with. */
  get current(): TicketKey {
    const now = this.deps.clock.now();
    return this.keys.find((k) => k.activeFrom <= now) ?? this.keys.at(-1)!;
  }

  /** Every other key a presented ticket may be opened with. */
  get others(): TicketKey[] {
    const current = this.current;
    return this.keys.filter((k) => k !== current);
  }

  /** Makes the next key when due, reads them all, and tells the listeners when the set or the current key changed. */
  async refresh(): Promise<void> {
    const now = this.deps.clock.now();
    let rows = await this.read();
    const newest = rows[0];
    if (!newest || newest.activeFrom + this.deps.rotationMs - LEAD_MS <= now) {
      const activeFrom = newest ? Math.max(newest.activeFrom + this.deps.rotationMs, now) : now;
      await this.deps.db
        .insertInto('tls_ticket_keys')
        .values({ key_id: `k${activeFrom}`, sealed_key: seal(this.deps.kek, randomBytes(48).toString('base64')), active_from: activeFrom, created_at: now })
        .onConflict((oc) => oc.column('key_id').doNothing())
        .execute();
      await this.deps.db.deleteFrom('tls_ticket_keys').where('active_from', '<', now - 3 * this.deps.rotationMs).execute();
      rows = await this.read();
    }
    const before = `${this.keys.map((k) => k.keyId).join()}|${this.keys.length ? this.current.keyId : ''}`;
    this.keys = rows.filter((k) => k.activeFrom >= now - 2 * this.deps.rotationMs || k === rows.find((r) => r.activeFrom <= now));
    if (`${this.keys.map((k) => k.keyId).join()}|${this.current.keyId}` !== before) for (const listener of this.listeners) listener();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    this.timer = setInterval(() => void this.refresh().catch((e: unknown) => this.deps.logger.warn({ err: e }, 'tls ticket keys: refresh failed')), REFRESH_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Newest activation first. */
  private async read(): Promise<TicketKey[]> {
    const rows = await this.deps.db.selectFrom('tls_ticket_keys').selectAll().orderBy('active_from', 'desc').orderBy('key_id', 'desc').execute();
    return rows.map((r) => ({ keyId: r.key_id, key: Buffer.from(unseal(this.deps.kek, r.sealed_key), 'base64'), activeFrom: Number(r.active_from) }));
  }
}
