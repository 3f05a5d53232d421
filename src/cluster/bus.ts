/**
 * The cluster bus: how the nodes of one Ferry tell one another what happened
 * (a certificate revoked, a job's targets changed, a TLS key rotated). The
 * domain sees only this interface; the embedded mode's bus has no one to
 * tell, a cluster's runs on Redis (redis-bus.ts). Messages are doorbells, not
 * the truth: the database is, and a node that missed messages (Redis gone for
 * a while) hears `onResync` and reads what it needs again.
 */
export type BusHandler = (message: unknown, from: string) => void | Promise<void>;

/** A gap in the bus that just closed: messages sent or heard from `lostAtMs` (this node's clock) on may be lost. */
export interface BusGap {
  lostAtMs: number;
}

export type ResyncListener = (gap: BusGap) => void | Promise<void>;

export interface ClusterBus {
  /** This node's id (random per process start). */
  readonly nodeId: string;
  /** Tells every other node; resolves once sent (not delivered). */
  publish(topic: string, message: unknown): Promise<void>;
  /**
   * Tells every node in `nodes` and waits until each has run its handlers,
   * or `timeoutMs` passed; resolves with the nodes that did not confirm.
   */
  publishAndWait(topic: string, message: unknown, nodes: string[], timeoutMs: number): Promise<{ missing: string[] }>;
  /** Hears messages other nodes publish on `topic`; returns the function that stops it. */
  subscribe(topic: string, handler: BusHandler): () => void;
  /** After a gap in the bus (Redis reconnected): caches must be dropped and state read again. */
  onResync(listener: ResyncListener): () => void;
  /** True while messages can be sent and heard. */
  readonly connected: boolean;
  close(): Promise<void>;
}

/** One node alone: nobody else to tell or to wait for. */
export class InProcessBus implements ClusterBus {
  readonly connected = true;
  constructor(readonly nodeId: string) {}
  async publish(): Promise<void> {}
  async publishAndWait(_topic: string, _message: unknown, nodes: string[]): Promise<{ missing: string[] }> {
    return { missing: nodes.filter((n) => n !== this.nodeId) };
  }
  subscribe(): () => void {
    return () => {};
  }
  onResync(): () => void {
    return () => {};
  }
  async close(): Promise<void> {}
}
