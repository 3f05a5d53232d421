/**
 * How a real device retries: a failed attempt waits a jittered, growing pause
 * (full jitter on an exponential step, capped) before the next, so a fleet
 * refused at once does not come back at once. The bench counts every retry:
 * a phase that succeeded only after retries says so in the report.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface RetryPolicy {
  attempts: number;
  baseMs: number;
  capMs: number;
}

/** Connections and downloads: a handshake that failed, a 5xx, a reset. */
export const NETWORK_RETRY: RetryPolicy = { attempts: 5, baseMs: 500, capMs: 8_000 };
/** Jobs requests answered InternalError or RequestThrottled (aws-wire-protocols §1.6: the device may retry). */
export const REQUEST_RETRY: RetryPolicy = { attempts: 8, baseMs: 1_000, capMs: 15_000 };

export const jitteredPause = (p: RetryPolicy, attempt: number): number => Math.random() * Math.min(p.capMs, p.baseMs * 2 ** (attempt - 1));

/** Runs `work` until it succeeds, `retryable` says no, or the attempts are used; `onRetry` is told each retry. */
export async function withRetries<T>(p: RetryPolicy, work: () => Promise<T>, retryable: (error: unknown) => boolean, onRetry: () => void): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= p.attempts || !retryable(error)) throw error;
      onRetry();
      await sleep(jitteredPause(p, attempt));
    }
  }
}
