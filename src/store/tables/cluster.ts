/**
 * The cluster tables: which nodes are alive (each writes its heartbeat by its
 * clock; a node silent past the timeout is dead and its devices are told
 * disconnected by a survivor), and the TLS session-ticket keys every node uses.
 */
export interface ClusterNodesTable {
  /** Random per process start (also the broker id and the bus origin). */
  node_id: string;
  node_name: string;
  started_at: number;
  heartbeat_at: number;
  /** MQTT connections the node held at its last heartbeat. */
  connections: number;
  /** JSON: the addresses the node's listeners bound. */
  addresses: string;
}

export interface TlsTicketKeysTable {
  key_id: string;
  /** 48 bytes, base64, sealed under the key-encryption key. */
  sealed_key: string;
  /** Nodes switch to a key at this time (set a little ahead, so every node has it by then). */
  active_from: number;
  created_at: number;
}

export interface ClusterTables {
  cluster_nodes: ClusterNodesTable;
  tls_ticket_keys: TlsTicketKeysTable;
}
