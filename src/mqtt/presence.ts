import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { DeviceConnection } from './connections.js';
import type { ConnectivityStore } from './connectivity.js';
import { KeyedQueue } from './keyed-queue.js';
import type { HistorySink } from '../history/events.js';

export interface PresenceDeps {
  /** Publishes as the service (QoS 1), or does nothing once the broker is closing. */
  publish(topic: string, payload: Buffer): void;
  connectivity: ConnectivityStore;
  clock: Clock;
  logger: Logger;
  nodeId: string;
  history: HistorySink;
}

/**
 * Lifecycle events (AWS "Connect/Disconnect events"): each accepted connection
 * and each end of one is recorded in mqtt_connectivity, then announced on
 * `$aws/events/presence/connected/{clientId}` or `…/disconnected/{clientId}`
 * with AWS's payload. Work for one client id runs in order, so a takeover's
 * disconnect is recorded before the connect that caused it. Client ids with
 * `#` or `+` get no events, as on AWS (they are still recorded).
 */
export class Presence {
  private readonly queue: KeyedQueue;

  constructor(private readonly deps: PresenceDeps) {
    this.queue = new KeyedQueue(deps.logger, 'mqtt presence update failed');
  }

  connected(connection: DeviceConnection): void {
    // Recorded in the history at once, in the broker's order (before the subscriptions that follow), not when the write runs.
    this.deps.history.record({ kind: 'connected', thingName: connection.device?.thingName, clientId: connection.clientId, details: { sessionIdentifier: connection.sessionId, ...(connection.sourceIp ? { ipAddress: connection.sourceIp } : {}) } });
    this.inOrder(connection.clientId, async () => {
      const at = this.deps.clock.now();
      connection.versionNumber = await this.deps.connectivity.connected({
        clientId: connection.clientId,
        thingName: connection.device?.thingName,
        sessionId: connection.sessionId,
        principalId: connection.device?.certificateId ?? '',
        ipAddress: connection.sourceIp,
        nodeId: this.deps.nodeId,
        at,
      });
      this.announce('connected', connection, {
        clientId: connection.clientId,
        timestamp: at,
        eventType: 'connected',
        sessionIdentifier: connection.sessionId,
        principalIdentifier: connection.device?.certificateId ?? '',
        ipAddress: connection.sourceIp ?? '',
        versionNumber: connection.versionNumber,
      });
    });
  }

  disconnected(connection: DeviceConnection): void {
    const reason = connection.reason ?? 'CONNECTION_LOST';
    this.deps.history.record({ kind: 'disconnected', thingName: connection.device?.thingName, clientId: connection.clientId, details: { reason, sessionIdentifier: connection.sessionId } });
    this.inOrder(connection.clientId, async () => {
      const at = this.deps.clock.now();
      await this.deps.connectivity.disconnected({ clientId: connection.clientId, sessionId: connection.sessionId, reason, at });
      this.announce('disconnected', connection, {
        clientId: connection.clientId,
        timestamp: at,
        eventType: 'disconnected',
        sessionIdentifier: connection.sessionId,
        principalIdentifier: connection.device?.certificateId ?? '',
        clientInitiatedDisconnect: reason === 'CLIENT_INITIATED_DISCONNECT',
        disconnectReason: reason,
        versionNumber: connection.versionNumber,
      });
    });
  }

  /**
   * A node of the cluster died: its connections are gone with it. Each one
   * still recorded as its (no later connection with the same client id took
   * over elsewhere) is recorded lost and announced, as the dead node would have.
   */
  async nodeLost(nodeId: string): Promise<number> {
    let announced = 0;
    for (const row of await this.deps.connectivity.connectedOn(nodeId)) {
      await new Promise<void>((resolve) =>
        this.inOrder(
          row.clientId,
          async () => {
          const at = this.deps.clock.now();
          if (!(await this.deps.connectivity.disconnected({ clientId: row.clientId, sessionId: row.sessionId, reason: 'CONNECTION_LOST', at }))) return resolve();
          announced++;
          this.deps.history.record({ kind: 'disconnected', atMs: at, thingName: row.thingName, clientId: row.clientId, details: { reason: 'CONNECTION_LOST', sessionIdentifier: row.sessionId, nodeLost: nodeId } });
          this.announceFor(row.clientId, 'disconnected', {
            clientId: row.clientId,
            timestamp: at,
            eventType: 'disconnected',
            sessionIdentifier: row.sessionId,
            principalIdentifier: row.principalId,
            clientInitiatedDisconnect: false,
            disconnectReason: 'CONNECTION_LOST',
            versionNumber: row.versionNumber,
          });
          resolve();
          },
          resolve,
        ),
      );
    }
    return announced;
  }

  /** Resolves once every recorded event has been written (before the database closes). */
  async settle(): Promise<void> {
    await this.queue.settle();
  }

  private announce(kind: 'connected' | 'disconnected', connection: DeviceConnection, event: object): void {
    this.announceFor(connection.clientId, kind, event);
  }

  private announceFor(clientId: string, kind: 'connected' | 'disconnected', event: object): void {
    if (/[#+]/.test(clientId)) return;
    this.deps.publish(`$aws/events/presence/${kind}/${clientId}`, Buffer.from(JSON.stringify(event)));
  }

  private inOrder(clientId: string, work: () => Promise<void>, onError?: () => void): void {
    this.queue.run(clientId, work, onError);
  }
}
