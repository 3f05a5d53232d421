import pg from 'pg';
import type { Logger } from 'pino';
import { INIT_LOCK_CLASS, SCHEMA_KEY } from '../store/db.js';

/**
 * Work one node of the cluster does at a time (the multipart clean-up, the
 * rollout pacer, TLS key rotation): a PostgreSQL session advisory lock, held
 * on a connection of its own. Whoever holds it runs the work; a node that dies
 * loses its connection and so the lock, and the next node to try takes it.
 * A transaction-pooling PgBouncer breaks this (the lock belongs to a server
 * session the pooler hands to others): point the nodes at PostgreSQL, or at
 * a session-pooling PgBouncer. SQLite has one node: it always holds it.
 */
export interface Singleton {
  /** Runs `work` if this node holds (or now takes) the lock; false when another node does. */
  run(work: () => Promise<void>): Promise<boolean>;
  close(): Promise<void>;
}

export const alwaysHeld: Singleton = {
  run: async (work) => {
    await work();
    return true;
  },
  close: async () => {},
};

export class PgSingleton implements Singleton {
  private client: pg.Client | undefined;
  private held = false;

  constructor(
    private readonly url: string,
    private readonly schema: string | undefined,
    private readonly name: string,
    private readonly logger: Logger,
  ) {}

  async run(work: () => Promise<void>): Promise<boolean> {
    if (!(await this.take())) return false;
    await work();
    return true;
  }

  private async take(): Promise<boolean> {
    if (this.held && this.client) return true;
    try {
      if (!this.client) {
        const client = new pg.Client({ connectionString: this.url, keepAlive: true, ...(this.schema ? { options: `-c search_path=${this.schema}` } : {}) });
        client.on('error', (error) => {
          this.logger.warn({ err: error.message, singleton: this.name }, 'singleton connection lost: another node may take over');
          this.held = false;
          this.client = undefined;
        });
        await client.connect();
        this.client = client;
      }
      const { rows } = await this.client.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock($1, hashtext(${SCHEMA_KEY} || ':' || $3::text)) AS ok`, [INIT_LOCK_CLASS, this.schema ?? 'public', this.name]);
      this.held = rows[0]?.ok === true;
      return this.held;
    } catch (error) {
      this.logger.warn({ err: (error as Error).message, singleton: this.name }, 'singleton lock not taken');
      await this.client?.end().catch(() => undefined);
      this.client = undefined;
      this.held = false;
      return false;
    }
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.held = false;
    await client?.end().catch(() => undefined);
  }
}
