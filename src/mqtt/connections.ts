import { randomUUID } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { Client } from 'aedes';
import type { ResolvedDevice } from './device-authority.js';
import type { SignedPrincipal } from './iam-authority.js';

/** Why a connection ended, in AWS's lifecycle-event words (`disconnectReason`). */
export type DisconnectReason =
  | 'AUTH_ERROR'
  | 'CLIENT_INITIATED_DISCONNECT'
  | 'CLIENT_ERROR'
  | 'CONNECTION_LOST'
  | 'DUPLICATE_CLIENTID'
  | 'FORBIDDEN_ACCESS'
  | 'MQTT_KEEP_ALIVE_TIMEOUT'
  | 'SERVER_ERROR'
  | 'SERVER_INITIATED_DISCONNECT'
  | 'THROTTLED'
  | 'WEBSOCKET_TTL_EXPIRATION';

/** One device connection: made when the socket is handed to the broker, authenticated at CONNECT. */
export class DeviceConnection {
  /** AWS's `sessionIdentifier` in lifecycle events. */
  readonly sessionId = randomUUID();
  clientId = '';
  /** The presented certificate's id (lowercase hex SHA-256 of its DER). */
  certificateId?: string;
  /** Set once CONNECT is accepted; replaced when a policy change recompiles it. */
  device?: ResolvedDevice;
  connectedAt?: number;
  /** The CONNECT's will, judged with the connection's policies at CONNECT. */
  will?: { topic: string; retain: boolean };
  /** Counts policy recompilations, so a slower, older one never overwrites a newer one. */
  generation = 0;
  /** Lifecycle events' versionNumber, known once the connect is recorded. */
  versionNumber = 0;
  /** The topic filters granted on this connection (AWS's 50 per connection). */
  readonly subscriptions = new Set<string>();
  /** The CONNECT's clean-session flag. */
  clean = true;
  /** The first reason noted wins: the cause, not the consequences. */
  reason?: DisconnectReason;
  closed = false;
  /**
   * Who signed the WebSocket upgrade (SigV4), judged by IAM policies instead of
   * a certificate's IoT policies. Absent for certificate connections.
   */
  signer?: SignedPrincipal;

  constructor(
    readonly client: Client,
    readonly sourceIp: string | undefined,
    /** The TLS session under the MQTT stream (the stream itself, or a WebSocket's socket). */
    readonly tlsSocket?: TLSSocket,
  ) {}

  noteDisconnect(reason: DisconnectReason): void {
    this.reason ??= reason;
  }

  /** Closes the connection; resolves once aedes has let go of it (subscriptions removed, socket destroyed). */
  close(reason: DisconnectReason): Promise<void> {
    this.noteDisconnect(reason);
    return new Promise((resolve) => this.client.close(() => resolve()));
  }
}

/** A CONNECT being authenticated; a registry change while it resolves makes it resolve again. */
export interface PendingAuthentication {
  stale: boolean;
}

/** Every connection the broker holds, and the indexes live changes and replies need. */
export class Connections {
  private readonly byClient = new WeakMap<Client, DeviceConnection>();
  private readonly authenticated = new Set<DeviceConnection>();
  private readonly latestByClientId = new Map<string, DeviceConnection>();
  private readonly bySession = new Map<string, DeviceConnection>();
  private readonly pending = new Set<PendingAuthentication>();

  add(connection: DeviceConnection): void {
    this.byClient.set(connection.client, connection);
  }

  of(client: Client | null | undefined): DeviceConnection | undefined {
    return client ? this.byClient.get(client) : undefined;
  }

  /**
   * Records an accepted CONNECT. Returns the connection it takes over (same
   * client id, still open), which aedes closes next ([MQTT-3.1.4-2]).
   */
  accept(connection: DeviceConnection): DeviceConnection | undefined {
    const previous = this.latestByClientId.get(connection.clientId);
    this.authenticated.add(connection);
    this.bySession.set(connection.sessionId, connection);
    this.latestByClientId.set(connection.clientId, connection);
    return previous && previous !== connection && !previous.closed ? previous : undefined;
  }

  /** Forgets a connection that closed. */
  remove(connection: DeviceConnection): void {
    connection.closed = true;
    this.authenticated.delete(connection);
    this.bySession.delete(connection.sessionId);
    if (this.latestByClientId.get(connection.clientId) === connection) this.latestByClientId.delete(connection.clientId);
  }

  /** Authenticated, open connections. */
  all(): DeviceConnection[] {
    return [...this.authenticated];
  }

  where(test: (connection: DeviceConnection) => boolean): DeviceConnection[] {
    return this.all().filter(test);
  }

  bySessionId(sessionId: string): DeviceConnection | undefined {
    return this.bySession.get(sessionId);
  }

  /** The open, authenticated connection with this client id on this node, if any. */
  latest(clientId: string): DeviceConnection | undefined {
    return this.latestByClientId.get(clientId);
  }

  /** True when a connection with this client id is authenticated and open on this node. */
  isOnline(clientId: string): boolean {
    return this.latestByClientId.has(clientId);
  }

  get size(): number {
    return this.authenticated.size;
  }

  beginAuthentication(): PendingAuthentication {
    const pending = { stale: false };
    this.pending.add(pending);
    return pending;
  }

  endAuthentication(pending: PendingAuthentication): void {
    this.pending.delete(pending);
  }

  /** A registry change happened: every CONNECT still resolving must resolve again. */
  staleAllPending(): void {
    for (const p of this.pending) p.stale = true;
  }
}
