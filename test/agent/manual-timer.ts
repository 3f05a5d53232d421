import type { Timer } from '../../src/agent/poller.js';

/** A Timer that fires only when the test says so: tests of schedules never wait for time to pass. */
export class ManualTimer implements Timer {
  readonly waits: number[] = [];
  private pending: Array<{ ms: number; fn: () => void }> = [];
  private waiters: Array<() => void> = [];

  after(ms: number, fn: () => void): () => void {
    const entry = { ms, fn };
    this.pending.push(entry);
    this.waits.push(ms);
    for (const w of this.waiters.splice(0)) w();
    return () => {
      this.pending = this.pending.filter((e) => e !== entry);
    };
  }

  /** Resolves once something is scheduled (at once if something is). */
  scheduled(): Promise<void> {
    return this.pending.length > 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Runs the earliest scheduled callback (after waiting for one to be scheduled). */
  async fire(): Promise<void> {
    await this.scheduled();
    this.pending.shift()!.fn();
  }

  get count(): number {
    return this.pending.length;
  }
}
