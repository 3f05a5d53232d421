/**
 * Asking for work on a schedule, for a device without MQTT (no notify-next):
 * a poll at once, then one every interval — never more often than every 5 s,
 * each moved by a little jitter so a fleet that started together drifts
 * apart — and, while polls fail, jittered exponential back-off instead, so a
 * fleet that lost the service together does not come back together.
 * The timer is injectable: tests drive it without waiting.
 */
import { Backoff } from './backoff.js';

/** The shortest poll interval: a fleet of pollers must not become a load test. */
export const MIN_POLL_INTERVAL_MS = 5_000;
export const DEFAULT_POLL_INTERVAL_MS = 60_000;
/** Back-off while polls fail grows to this. */
export const MAX_POLL_BACKOFF_MS = 15 * 60_000;

export interface Timer {
  /** Calls `fn` after `ms`; returns the function that cancels it. */
  after(ms: number, fn: () => void): () => void;
}

/** The real timer (it keeps the process alive: an HTTPS-only agent has nothing else that does). */
export const realTimer: Timer = {
  after(ms, fn) {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};

export interface PollerOptions {
  /** Default 60 s; anything under 5 s is raised to 5 s. */
  intervalMs?: number;
  /** Each wait is the interval ± this share of it. Default 0.1. */
  jitter?: number;
  /** One poll; resolves true when it reached the service. Never rejects. */
  poll(): Promise<boolean>;
  timer?: Timer;
  /** A number in [0, 1). Default Math.random. */
  random?: () => number;
  /** Told each wait before the next poll (logs, tests). */
  onWait?: (ms: number, afterFailure: boolean) => void;
}

export const pollIntervalMs = (requested: number | undefined): number => Math.max(MIN_POLL_INTERVAL_MS, requested ?? DEFAULT_POLL_INTERVAL_MS);

export class Poller {
  private readonly intervalMs: number;
  private readonly backoff: Backoff;
  private readonly random: () => number;
  private cancel: (() => void) | undefined;
  private active = false;
  private polling: Promise<void> | undefined;

  constructor(private readonly options: PollerOptions) {
    this.intervalMs = pollIntervalMs(options.intervalMs);
    this.random = options.random ?? Math.random;
    this.backoff = new Backoff({ initialMs: this.intervalMs, maxMs: Math.max(this.intervalMs, MAX_POLL_BACKOFF_MS), random: this.random });
  }

  /** True between start() and stop(). */
  get running(): boolean {
    return this.active;
  }

  /** Polls now, then on the schedule, until stop(). */
  start(): void {
    if (this.active) return;
    this.active = true;
    this.backoff.reset();
    void this.turn();
  }

  /** Stops the schedule; resolves once a poll in progress has ended. */
  async stop(): Promise<void> {
    this.active = false;
    this.cancel?.();
    this.cancel = undefined;
    await this.polling;
  }

  /** The wait before the next poll: the jittered interval, or back-off (at least the minimum interval) after a failure. */
  nextWait(reached: boolean): number {
    if (reached) {
      this.backoff.reset();
      const jitter = this.options.jitter ?? 0.1;
      return Math.max(MIN_POLL_INTERVAL_MS, Math.round(this.intervalMs * (1 - jitter + 2 * jitter * this.random())));
    }
    return Math.max(MIN_POLL_INTERVAL_MS, this.backoff.next());
  }

  private async turn(): Promise<void> {
    if (!this.active) return;
    this.polling = this.options.poll().then(
      (reached) => this.schedule(reached),
      () => this.schedule(false),
    );
    await this.polling;
  }

  private schedule(reached: boolean): void {
    if (!this.active) return;
    const wait = this.nextWait(reached);
    this.options.onWait?.(wait, !reached);
    this.cancel = (this.options.timer ?? realTimer).after(wait, () => {
      this.cancel = undefined;
      void this.turn();
    });
  }
}
