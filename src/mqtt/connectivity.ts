import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';

/** A thing's (or client id's) connectivity, as AWS fleet indexing reports it. */
export interface Connectivity {
  connected: boolean;
  /** Epoch ms: when it connected if connected, else when it disconnected. */
  timestamp: number;
  /** Why it last disconnected (lifecycle-event words); absent while connected. */
  disconnectReason?: string;
  clientId: string;
  /** The latest connection's sessionIdentifier. */
  sessionId: string;
  /** The certificate id the latest connection presented. */
  principalId: string;
  connectedAt: number;
  disconnectedAt?: number;
}

export interface ConnectedRecord {
  clientId: string;
  thingName?: string | undefined;
  sessionId: string;
  principalId: string;
  ipAddress?: string | undefined;
  nodeId: string;
  at: number;
}

/** The mqtt_connectivity table: written by the broker on every connect and disconnect, read by the CLI and console. */
export class ConnectivityStore {
  private readonly listeners: Array<(thingNames: string[]) => Promise<void>> = [];

  constructor(private readonly db: Kysely<Database>) {}

  /** Calls `listener` with the things (client ids and bound thing names) whose connectivity was recorded changed (the fleet index). */
  onChange(listener: (thingNames: string[]) => Promise<void>): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  private async changed(rows: Array<{ client_id: string; thing_name: string | null }>): Promise<void> {
    if (rows.length === 0 || this.listeners.length === 0) return;
    const names = [...new Set(rows.flatMap((r) => (r.thing_name === null ? [r.client_id] : [r.client_id, r.thing_name])))];
    for (const listener of this.listeners) await listener(names);
  }

  /** Records a connect; returns the lifecycle versionNumber (0 on a client id's first connect, then +1 each time). */
  async connected(record: ConnectedRecord): Promise<number> {
    const row = {
      client_id: record.clientId,
      thing_name: record.thingName ?? null,
      connected: 1,
      session_id: record.sessionId,
      principal_id: record.principalId,
      ip_address: record.ipAddress ?? null,
      node_id: record.nodeId,
      version_number: 0,
      connected_at: record.at,
      disconnected_at: null,
      disconnect_reason: null,
    };
    const { version_number: _first, client_id: _key, ...update } = row;
    const result = await this.db
      .insertInto('mqtt_connectivity')
      .values(row)
      .onConflict((oc) => oc.column('client_id').doUpdateSet((eb) => ({ ...update, version_number: eb(eb.ref('mqtt_connectivity.version_number'), '+', 1) })))
      .returning('version_number')
      .executeTakeFirstOrThrow();
    await this.changed([{ client_id: record.clientId, thing_name: record.thingName ?? null }]);
    return Number(result.version_number);
  }

  /** Records a disconnect, unless a newer connection with the same client id has been recorded since; true when recorded. */
  async disconnected(record: { clientId: string; sessionId: string; reason: string; at: number }): Promise<boolean> {
    const rows = await this.db
      .updateTable('mqtt_connectivity')
      .set({ connected: 0, disconnected_at: record.at, disconnect_reason: record.reason })
      .where('client_id', '=', record.clientId)
      .where('session_id', '=', record.sessionId)
      .where('connected', '=', 1)
      .returning(['client_id', 'thing_name'])
      .execute();
    await this.changed(rows);
    return rows.length > 0;
  }

  /** The connections recorded as open on a node. */
  async connectedOn(nodeId: string): Promise<Array<{ clientId: string; thingName?: string; sessionId: string; principalId: string; versionNumber: number }>> {
    const rows = await this.db
      .selectFrom('mqtt_connectivity')
      .select(['client_id', 'thing_name', 'session_id', 'principal_id', 'version_number'])
      .where('node_id', '=', nodeId)
      .where('connected', '=', 1)
      .execute();
    return rows.map((r) => ({ clientId: r.client_id, ...(r.thing_name !== null ? { thingName: r.thing_name } : {}), sessionId: r.session_id, principalId: r.principal_id, versionNumber: Number(r.version_number) }));
  }

  /** The node each of these client ids is recorded connected to (absent: not connected anywhere). */
  async nodesOf(clientIds: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (let i = 0; i < clientIds.length; i += 500) {
      const chunk = clientIds.slice(i, i + 500);
      const rows = await this.db.selectFrom('mqtt_connectivity').select(['client_id', 'node_id']).where('client_id', 'in', chunk).where('connected', '=', 1).execute();
      for (const r of rows) out.set(r.client_id, r.node_id);
    }
    return out;
  }

  /** Marks every connection a node held as gone (its broker stopped, or died before it could say so). */
  async nodeStopped(nodeId: string | undefined, reason: string, at: number): Promise<void> {
    let query = this.db.updateTable('mqtt_connectivity').set({ connected: 0, disconnected_at: at, disconnect_reason: reason }).where('connected', '=', 1);
    if (nodeId !== undefined) query = query.where('node_id', '=', nodeId);
    await this.changed(await query.returning(['client_id', 'thing_name']).execute());
  }

  async ofClient(clientId: string): Promise<Connectivity | undefined> {
    const row = await this.db.selectFrom('mqtt_connectivity').selectAll().where('client_id', '=', clientId).executeTakeFirst();
    return row ? toConnectivity(row) : undefined;
  }

  /**
   * A thing's connectivity: that of the client id equal to its name (AWS fleet
   * indexing's rule), or of the latest connection bound to the thing another way.
   */
  async ofThing(thingName: string): Promise<Connectivity | undefined> {
    const row = await this.db
      .selectFrom('mqtt_connectivity')
      .selectAll()
      .where((eb) => eb.or([eb('client_id', '=', thingName), eb('thing_name', '=', thingName)]))
      .orderBy('connected', 'desc')
      .orderBy('connected_at', 'desc')
      .executeTakeFirst();
    return row ? toConnectivity(row) : undefined;
  }
}

type Row = Database['mqtt_connectivity'];

function toConnectivity(row: Row): Connectivity {
  const connected = row.connected === 1;
  const out: Connectivity = {
    connected,
    timestamp: connected || row.disconnected_at === null ? row.connected_at : row.disconnected_at,
    clientId: row.client_id,
    sessionId: row.session_id,
    principalId: row.principal_id,
    connectedAt: row.connected_at,
  };
  if (!connected && row.disconnect_reason !== null) out.disconnectReason = row.disconnect_reason;
  if (row.disconnected_at !== null) out.disconnectedAt = row.disconnected_at;
  return out;
}
