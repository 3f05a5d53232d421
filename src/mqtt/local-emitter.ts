/**
 * The broker's in-process emitter (aedes' `mq`): mqemitter's topic matching,
 * with the bound on messages in flight kept here. mqemitter's own `concurrency`
 * starts the next queued message from inside the previous one's completion, so
 * listeners that complete at once recurse once per queued message; a queue of
 * some thousands (a whole-fleet job's burst) overflowed the stack and killed a
 * node in the 10,000-device bench (mqemitter PR #204, unmerged). Here a loop
 * drains the queue. Used alone on one node, and under the cluster's Redis emitter.
 */
import MQEmitter from 'mqemitter';

export type EmitterCallback = (error?: Error | null) => void;

export interface EmitterPacket {
  topic: string;
  payload?: Buffer | string;
  [key: string]: unknown;
}

export type EmitterListener = (message: EmitterPacket, done: () => void) => void;

/** aedes' default: at most this many messages delivered at once. */
const DEFAULT_CONCURRENCY = 100;

export class LocalEmitter {
  private readonly matcher = MQEmitter({ concurrency: 0, matchEmptyLevels: true });
  private inFlight = 0;
  private waiting: Array<{ packet: EmitterPacket; done: EmitterCallback | undefined }> = [];
  /** The first waiting message's index (shift() on a queue of thousands moves them all each time). */
  private head = 0;
  private draining = false;
  closed = false;

  constructor(readonly concurrency = DEFAULT_CONCURRENCY) {}

  get current(): number {
    return this.inFlight;
  }

  on(filter: string, listener: EmitterListener, done?: EmitterCallback): this {
    this.matcher.on(filter, listener as never, done as never);
    return this;
  }

  removeListener(filter: string, listener: EmitterListener, done?: EmitterCallback): this {
    this.matcher.removeListener(filter, listener as never, done as never);
    return this;
  }

  removeAllListeners(filter: string, done?: EmitterCallback): this {
    (this.matcher as unknown as { removeAllListeners(f: string, d?: EmitterCallback): void }).removeAllListeners(filter, done);
    return this;
  }

  emit(packet: EmitterPacket, done?: EmitterCallback): this {
    if (this.closed) {
      done?.(new Error('mqemitter is closed'));
      return this;
    }
    this.waiting.push({ packet, done });
    this.drain();
    return this;
  }

  close(done?: () => void): void {
    this.closed = true;
    this.matcher.close(() => done?.());
  }

  /** Starts waiting messages while there are free slots; a completion inside the loop only lets the loop go on. */
  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.inFlight < this.concurrency && this.head < this.waiting.length) {
        const { packet, done } = this.waiting[this.head]!;
        this.waiting[this.head++] = undefined as never;
        this.inFlight++;
        this.matcher.emit(packet as never, ((error?: Error) => {
          this.inFlight--;
          done?.(error);
          this.drain();
        }) as never);
      }
    } finally {
      if (this.head > 4096 || this.head === this.waiting.length) {
        this.waiting = this.waiting.slice(this.head);
        this.head = 0;
      }
      this.draining = false;
    }
  }
}
