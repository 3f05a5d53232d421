/**
 * The mqtt tables. Broker sessions themselves live in memory (or Redis when
 * scaled out); only what the operator queries is here.
 */

/**
 * The connectivity of each MQTT client id (AWS fleet indexing's `connectivity`:
 * connected, since when, why it last disconnected). A thing's connectivity is
 * that of the client id equal to its name, or the latest connection bound to it.
 */
export interface MqttConnectivityTable {
  client_id: string;
  /** The thing the latest connection was bound to, if any. */
  thing_name: string | null;
  /** 0/1. */
  connected: number;
  /** The latest connection's sessionIdentifier (lifecycle events). */
  session_id: string;
  /** The certificate id the latest connection presented. */
  principal_id: string;
  ip_address: string | null;
  /** The broker node holding the connection (several nodes share the table when scaled out). */
  node_id: string;
  /** Lifecycle events' versionNumber: +1 on every connect of this client id. */
  version_number: number;
  connected_at: number;
  disconnected_at: number | null;
  disconnect_reason: string | null;
}

export interface MqttTables {
  mqtt_connectivity: MqttConnectivityTable;
}
