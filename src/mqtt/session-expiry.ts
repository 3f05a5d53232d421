import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { clearQueue } from './durable-sessions.js';
import type { SessionRecords } from './session-records.js';

/** How often sessions whose clients never came back are looked for. */
const SWEEP_INTERVAL_MS = 60_000;

/** The persistence calls ending a session needs (aedes 1.x, any backend). */
interface SessionPersistence {
  cleanSubscriptions(client: { id: string }): Promise<void>;
}

export interface SessionExpiryDeps {
  records: SessionRecords;
  /** The broker's persistence as it is when a session ends (wrapped, so the database copy goes too). */
  persistence(): object;
  clock: Clock;
  expirySeconds: number;
  logger: Logger;
}

/**
 * AWS IoT's persistent session expiry: a persistent session (clean session
 * off) and the QoS 1 messages queued for it end `expirySeconds` after its
 * client disconnected (AWS's default one hour, at most seven days). When each
 * client went away is in the database, so the time runs on across restarts and
 * nodes. A CONNECT for an expired session finds none (session present 0); a
 * sweep ends the sessions whose clients never return.
 */
export class SessionExpiry {
  private timer?: NodeJS.Timeout;

  constructor(private readonly deps: SessionExpiryDeps) {}

  start(): void {
    this.timer = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Before a CONNECT is handled: ends its session if it expired. */
  async beforeConnect(clientId: string): Promise<void> {
    const at = await this.deps.records.disconnectedAt(clientId);
    if (typeof at === 'number' && this.deps.clock.now() - at >= this.deps.expirySeconds * 1000) await this.end(clientId);
  }

  /**
   * A connection ended at `atMs`: a persistent session starts its expiry, a clean one has none to keep.
   * The time is taken when the connection ends, not when this queued write runs.
   */
  async disconnected(clientId: string, clean: boolean, atMs: number): Promise<void> {
    if (!clean) await this.deps.records.disconnected(clientId, atMs);
  }

  async connected(clientId: string, clean: boolean): Promise<void> {
    if (!clean) return this.deps.records.connected(clientId);
    // A clean session replaces a persistent one (aedes empties it in memory; its record goes too).
    if ((await this.deps.records.disconnectedAt(clientId)) !== undefined) await this.deps.records.forget(clientId);
  }

  /** Ends every session whose time is up; returns how many. */
  async sweep(): Promise<number> {
    let ended = 0;
    try {
      for (const clientId of await this.deps.records.expired(this.deps.clock.now() - this.deps.expirySeconds * 1000)) {
        await this.end(clientId);
        ended++;
      }
    } catch (error) {
      this.deps.logger.error({ err: error }, 'mqtt session expiry sweep failed');
    }
    return ended;
  }

  private async end(clientId: string): Promise<void> {
    const persistence = this.deps.persistence();
    await (persistence as SessionPersistence).cleanSubscriptions({ id: clientId });
    await clearQueue(persistence, clientId);
    await this.deps.records.forget(clientId);
    this.deps.logger.info({ clientId }, 'mqtt persistent session expired: its subscriptions and queued messages are gone');
  }
}
