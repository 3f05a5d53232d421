/**
 * Jittered exponential back-off ("full jitter": a random wait between 0 and
 * the capped exponential), so a fleet that lost its network together does
 * not come back together. Time and randomness are injectable for tests.
 */

export interface BackoffOptions {
  /** The cap of the first wait. Default 1,000 ms. */
  initialMs?: number;
  /** The largest cap. Default 60,000 ms. */
  maxMs?: number;
  /** Growth per attempt. Default 2. */
  multiplier?: number;
  /** A number in [0, 1). Default Math.random. */
  random?: () => number;
}

export class Backoff {
  private attempt = 0;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly multiplier: number;
  private readonly random: () => number;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 1000;
    this.maxMs = options.maxMs ?? 60_000;
    this.multiplier = options.multiplier ?? 2;
    this.random = options.random ?? Math.random;
  }

  /** The wait before the next attempt; each call widens the window up to maxMs. */
  next(): number {
    const cap = Math.min(this.maxMs, this.initialMs * this.multiplier ** this.attempt);
    this.attempt += 1;
    return Math.floor(this.random() * cap);
  }

  /** After a success: start again from the smallest window. */
  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}

/** Waits `ms`, or rejects with the signal's reason when it is aborted first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
