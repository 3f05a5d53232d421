/**
 * Failed console sign-ins are limited per access key id and per client address: after
 * `maxFailures` within `windowMs`, further attempts are refused until the oldest failure
 * leaves the window — whether or not the secret would be right.
 */
import type { Clock } from '../clock.js';

export interface SignInLimits {
  maxFailures: number;
  windowMs: number;
}

export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = { maxFailures: 5, windowMs: 15 * 60_000 };

export class SignInLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly clock: Clock,
    private readonly limits: SignInLimits = DEFAULT_SIGN_IN_LIMITS,
  ) {}

  /** Milliseconds until any of these subjects may try again; 0 when none is limited. */
  retryAfterMs(subjects: string[]): number {
    const now = this.clock.now();
    let wait = 0;
    for (const subject of subjects) {
      const recent = this.recent(subject, now);
      if (recent.length >= this.limits.maxFailures) wait = Math.max(wait, recent[0]! + this.limits.windowMs - now);
    }
    return wait;
  }

  recordFailure(subjects: string[]): void {
    const now = this.clock.now();
    for (const subject of subjects) this.failures.set(subject, [...this.recent(subject, now), now]);
  }

  private recent(subject: string, now: number): number[] {
    const kept = (this.failures.get(subject) ?? []).filter((t) => now - t < this.limits.windowMs);
    if (kept.length === 0) this.failures.delete(subject);
    else this.failures.set(subject, kept);
    return kept;
  }
}
