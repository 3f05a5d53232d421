import type { Clock } from '../clock.js';
import { TokenBucket } from './token-bucket.js';

/** Client ids remembered at most; past this, those whose bucket refilled are forgotten. */
const REMEMBERED = 10_000;

/**
 * AWS IoT Core's "connect requests per second per client ID" (1): a CONNECT
 * with a client id that already used its rate is refused. Counted on this
 * node (in a cluster, each node counts the CONNECTs it receives).
 */
export class ConnectRate {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly clock: Clock,
    private readonly perSecond: number,
  ) {}

  /** Counts one CONNECT; false when it is over the rate. */
  admit(clientId: string): boolean {
    let bucket = this.buckets.get(clientId);
    if (!bucket) {
      if (this.buckets.size >= REMEMBERED) this.forgetIdle();
      bucket = new TokenBucket(this.clock, this.perSecond);
      this.buckets.set(clientId, bucket);
    }
    return bucket.take();
  }

  private forgetIdle(): void {
    for (const [clientId, bucket] of this.buckets) if (bucket.full) this.buckets.delete(clientId);
  }
}
