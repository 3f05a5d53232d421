import type { Logger } from 'pino';

/**
 * Work for one key (a client id), one at a time in the order given; keys run
 * independently. A failure is logged with `failure` and does not stop the
 * work queued after it. `settle` waits until every queue is empty.
 */
export class KeyedQueue {
  private readonly queues = new Map<string, Promise<void>>();

  constructor(
    private readonly logger: Logger,
    private readonly failure: string,
  ) {}

  run(key: string, work: () => Promise<void>, onError?: () => void): void {
    const next = (this.queues.get(key) ?? Promise.resolve()).then(work).catch((error: unknown) => {
      this.logger.error({ err: error, clientId: key }, this.failure);
      onError?.();
    });
    this.queues.set(key, next);
    void next.then(() => {
      if (this.queues.get(key) === next) this.queues.delete(key);
    });
  }

  async settle(): Promise<void> {
    while (this.queues.size > 0) await Promise.all([...this.queues.values()]);
  }
}
