/**
 * The mqtt tables: connectivity, and persistent sessions (their expiry; on one
 * node their subscriptions and queued messages too — in a cluster those live
 * in Redis).
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

/** A persistent session (clean session off): when its client last went away. */
export interface MqttSessionsTable {
  client_id: string;
  /** Epoch ms; null while its client is connected. */
  disconnected_at: number | null;
}

/** A persistent session's subscriptions (one node: the durable copy of aedes' in-memory ones). */
export interface MqttSessionSubscriptionsTable {
  client_id: string;
  topic: string;
  qos: number;
}

/** QoS 1 messages queued for a persistent session (one node). */
export interface MqttSessionMessagesTable {
  client_id: string;
  /** aedes' identity of the message: the broker that made it and its counter there. */
  broker_id: string;
  broker_counter: number;
  /** Queue order. */
  seq: number;
  topic: string;
  /** Base64. */
  payload: string;
  qos: number;
  /** The packet id once it was sent (awaiting PUBACK). */
  message_id: number | null;
}

export interface MqttTables {
  mqtt_connectivity: MqttConnectivityTable;
  mqtt_sessions: MqttSessionsTable;
  mqtt_session_subscriptions: MqttSessionSubscriptionsTable;
  mqtt_session_messages: MqttSessionMessagesTable;
}
