import type { Clock } from '../clock.js';

/**
 * A token bucket on the injectable clock: `ratePerSecond` tokens a second, at
 * most one second's worth held, so a client may burst up to its rate and is
 * then held to it. Driven by clock.now() only, so tests move the clock.
 */
export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly clock: Clock,
    private readonly ratePerSecond: number,
  ) {
    this.tokens = ratePerSecond;
    this.at = clock.now();
  }

  /** Takes `n` tokens if there are that many; false (and nothing taken) otherwise. */
  take(n = 1): boolean {
    this.refill();
    if (this.tokens < n) return false;
    this.tokens -= n;
    return true;
  }

  /** True when the bucket is full again (nothing to remember). */
  get full(): boolean {
    this.refill();
    return this.tokens >= this.ratePerSecond;
  }

  private refill(): void {
    const now = this.clock.now();
    if (now > this.at) this.tokens = Math.min(this.ratePerSecond, this.tokens + ((now - this.at) / 1000) * this.ratePerSecond);
    this.at = Math.max(this.at, now);
  }
}
