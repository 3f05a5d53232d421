import type { CompiledQuery, Kysely, QueryResult } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Database } from '../store/schema.js';

/** A node as `ferry cluster status` shows it. */
export interface ClusterNode {
  nodeId: string;
  nodeName: string;
  startedAt: number;
  heartbeatAt: number;
  connections: number;
  addresses: Record<string, string>;
  alive: boolean;
}

export interface ClusterNodesDeps {
  db: Kysely<Database>;
  /**
   * Runs the heartbeat's own writes beside the pool (Store.urgent). Through the pool, a node
   * whose ten connections all waited on one job's row (a 10,000-device job's start-next burst)
   * recorded its heartbeat 30 s late and the others declared it dead while it was only busy.
   */
  urgent: <R>(query: CompiledQuery<R>) => Promise<QueryResult<R>>;
  clock: Clock;
  logger: Logger;
  nodeId: string;
  nodeName: string;
  heartbeatMs: number;
  nodeTimeoutMs: number;
  /** This node's MQTT connections now (recorded with each heartbeat). */
  connections: () => number;
  /** A survivor found this node dead (it alone: the row's deletion decides who). */
  onDead: (nodeId: string) => Promise<void>;
  /** This node found it had been declared dead while alive: what a survivor undid (its devices' connections) is to be redone. */
  onRejoined: () => Promise<void>;
}

/**
 * Presence of the nodes, kept in the database: each node records a heartbeat
 * by its own clock every heartbeatMs; one silent for nodeTimeoutMs is dead.
 * Every node looks for dead ones on its heartbeat; deleting the dead node's
 * row decides which survivor cleans up after it (its devices' disconnected
 * events), so that happens once. Heartbeats run on a real interval but judge
 * time by the injectable clock, so tests move the clock and call `beat()`.
 */
export class ClusterNodes {
  private timer: NodeJS.Timeout | undefined;
  private recording: Promise<void> | undefined;
  private sweeping: Promise<void> | undefined;
  private addresses: Record<string, string> = {};

  constructor(private readonly deps: ClusterNodesDeps) {}

  async start(addresses: Record<string, string>): Promise<void> {
    this.addresses = addresses;
    const now = this.deps.clock.now();
    await this.deps.db
      .insertInto('cluster_nodes')
      .values({ node_id: this.deps.nodeId, node_name: this.deps.nodeName, started_at: now, heartbeat_at: now, connections: 0, addresses: JSON.stringify(addresses) })
      .execute();
    this.timer = setInterval(() => void this.beat(), this.deps.heartbeatMs);
    this.timer.unref();
  }

  /**
   * One heartbeat: record this node alive, then clean up after dead ones. Each of the two runs
   * one at a time, but a heartbeat never waits for a clean-up still running: cleaning up after a
   * dead node with thousands of devices (each one's disconnect recorded) took longer than the node
   * timeout, and the node doing it was declared dead in turn.
   */
  beat(): Promise<void> {
    const recorded = (this.recording ??= this.record()
      .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'cluster heartbeat failed'))
      .finally(() => (this.recording = undefined)));
    const swept = (this.sweeping ??= recorded
      .then(() => this.sweep(this.deps.clock.now()))
      .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'looking for dead cluster nodes failed'))
      .finally(() => (this.sweeping = undefined)));
    return Promise.all([recorded, swept]).then(() => undefined);
  }

  /** Records this node alive now, by its clock. */
  async record(): Promise<void> {
    const now = this.deps.clock.now();
    const { db, urgent } = this.deps;
    const updated = await urgent(db.updateTable('cluster_nodes').set({ heartbeat_at: now, connections: this.deps.connections() }).where('node_id', '=', this.deps.nodeId).compile());
    if (Number(updated.numAffectedRows ?? 0) > 0) return;
    // Declared dead while stalled (a long pause, a database outage): come back as alive.
    this.deps.logger.warn({ nodeId: this.deps.nodeId }, 'this node had been declared dead by the others; recording it alive again');
    await urgent(
      db
        .insertInto('cluster_nodes')
        .values({ node_id: this.deps.nodeId, node_name: this.deps.nodeName, started_at: now, heartbeat_at: now, connections: this.deps.connections(), addresses: JSON.stringify(this.addresses) })
        .onConflict((oc) => oc.column('node_id').doNothing())
        .compile(),
    );
    await this.deps.onRejoined();
  }

  /** Finds nodes silent past the timeout; for each one this node wins, runs onDead. */
  async sweep(now = this.deps.clock.now()): Promise<void> {
    const dead = await this.deps.db
      .selectFrom('cluster_nodes')
      .select('node_id')
      .where('heartbeat_at', '<', now - this.deps.nodeTimeoutMs)
      .where('node_id', '!=', this.deps.nodeId)
      .execute();
    for (const { node_id } of dead) {
      const claimed = await this.deps.db.deleteFrom('cluster_nodes').where('node_id', '=', node_id).where('heartbeat_at', '<', now - this.deps.nodeTimeoutMs).executeTakeFirst();
      if (Number(claimed.numDeletedRows) === 0) continue;
      this.deps.logger.warn({ deadNode: node_id }, 'a cluster node stopped heart-beating: cleaning up after it');
      await this.deps.onDead(node_id);
    }
  }

  /** Every node recorded, alive or not yet swept, by this node's clock. */
  async list(): Promise<ClusterNode[]> {
    const now = this.deps.clock.now();
    const rows = await this.deps.db.selectFrom('cluster_nodes').selectAll().orderBy('node_name').execute();
    return rows.map((r) => ({
      nodeId: r.node_id,
      nodeName: r.node_name,
      startedAt: r.started_at,
      heartbeatAt: r.heartbeat_at,
      connections: r.connections,
      addresses: JSON.parse(r.addresses) as Record<string, string>,
      alive: r.heartbeat_at >= now - this.deps.nodeTimeoutMs,
    }));
  }

  /** The ids of the nodes alive now (this one included). */
  async aliveIds(): Promise<string[]> {
    return (await this.list()).filter((n) => n.alive).map((n) => n.nodeId);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await Promise.all([this.recording, this.sweeping]);
    await this.deps.db.deleteFrom('cluster_nodes').where('node_id', '=', this.deps.nodeId).execute();
  }
}
