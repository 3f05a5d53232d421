import type { Logger } from 'pino';
import type { Clock } from '../clock.js';

/** Rows deleted per statement: a long backlog is purged without one huge transaction. */
export const PURGE_BATCH = 500;
const PURGE_EVERY_MS = 3600 * 1000;

export interface RetentionOptions {
  /** What is purged, for the log ("audit events", "history events"). */
  what: string;
  clock: Clock;
  logger: Logger;
  retentionMs: number;
  /** Deletes at most `limit` rows older than `cutoffMs`; returns how many it deleted. */
  deleteBatch(cutoffMs: number, limit: number): Promise<number>;
  /** In a cluster, the purge runs on one node at a time. */
  singleton?: { run(work: () => Promise<void>): Promise<boolean> } | undefined;
  batch?: number;
}

/**
 * Purges rows past a retention period in batches, hourly, on one node of a
 * cluster at a time (a leased singleton); the cutoff comes from the
 * injectable clock. The audit log and the event history share it.
 */
export class RetentionPurge {
  private timer?: NodeJS.Timeout;

  constructor(private readonly opts: RetentionOptions) {}

  get retentionMs(): number {
    return this.opts.retentionMs;
  }

  /** Deletes rows older than the retention, a batch at a time; returns how many. */
  async purge(): Promise<number> {
    const cutoff = this.opts.clock.now() - this.opts.retentionMs;
    const batch = this.opts.batch ?? PURGE_BATCH;
    let total = 0;
    for (;;) {
      const deleted = await this.opts.deleteBatch(cutoff, batch);
      total += deleted;
      if (deleted < batch) break;
    }
    if (total > 0) this.opts.logger.info({ purged: total }, `${this.opts.what} past retention purged`);
    return total;
  }

  /** The purge, on one node of a cluster at a time; returns how many (0 when another node holds it). */
  async purgeOnce(): Promise<number> {
    if (!this.opts.singleton) return this.purge();
    let count = 0;
    await this.opts.singleton.run(async () => {
      count = await this.purge();
    });
    return count;
  }

  start(): void {
    const run = () => void this.purgeOnce().catch((error: unknown) => this.opts.logger.error({ err: error }, `purging ${this.opts.what} failed`));
    run();
    this.timer = setInterval(run, PURGE_EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
