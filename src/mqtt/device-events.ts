/**
 * What the broker saw of each device connection, as it happens, for watchers in this
 * process (the console's first-connection checklist): the TLS handshake, a refused CONNECT
 * with the broker's reason, the lifecycle events it announces on `$aws/events/…`, and each
 * Jobs request. A source of events the event-history store can feed as well: watchers only
 * see `DeviceEvent`s, never the broker.
 */
export type DeviceEvent =
  | { type: 'tls'; at: number; certificateId: string; sourceIp?: string | undefined }
  | { type: 'connect-refused'; at: number; clientId: string; certificateId?: string | undefined; reason: string }
  /** A lifecycle event as published: `topic` is `$aws/events/…`, `event` its JSON payload. */
  | { type: 'lifecycle'; at: number; topic: string; event: Record<string, unknown> }
  | { type: 'jobs-request'; at: number; clientId: string; thingName?: string | undefined; certificateId: string; topic: string };

export type DeviceEventListener = (event: DeviceEvent) => void;

export interface DeviceEventSource {
  /** Calls `listener` with every event from now on; returns the function that stops it. */
  watch(listener: DeviceEventListener): () => void;
}

export class DeviceEvents implements DeviceEventSource {
  private readonly listeners = new Set<DeviceEventListener>();
  /** Told this node's own events only (the cluster relay: what it hears from other nodes it must not send back). */
  private readonly outbound = new Set<DeviceEventListener>();

  watch(listener: DeviceEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Calls `listener` with every event this node's broker sees (not those heard from other nodes). */
  relayTo(listener: DeviceEventListener): () => void {
    this.outbound.add(listener);
    return () => this.outbound.delete(listener);
  }

  /** An event this node's broker saw: to the watchers here, and to other nodes through the relay. */
  emit(event: DeviceEvent): void {
    this.tell(this.outbound, event);
    this.tell(this.listeners, event);
  }

  /** An event another node's broker saw (heard on the cluster bus): to the watchers here only. */
  emitRelayed(event: DeviceEvent): void {
    this.tell(this.listeners, event);
  }

  /** A watcher that throws never stops the broker's work. */
  private tell(listeners: ReadonlySet<DeviceEventListener>, event: DeviceEvent): void {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch {
        // A watcher's own failure is its own.
      }
    }
  }

  /** A lifecycle event, from the payload the broker publishes. */
  lifecycle(topic: string, payload: Buffer, at: number): void {
    if ((this.listeners.size === 0 && this.outbound.size === 0) || !topic.startsWith('$aws/events/')) return;
    try {
      this.emit({ type: 'lifecycle', at, topic, event: JSON.parse(payload.toString('utf8')) as Record<string, unknown> });
    } catch {
      // Ferry's own payloads are JSON.
    }
  }
}
