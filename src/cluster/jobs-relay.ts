import type { Logger } from 'pino';
import type { JobsAnnouncer } from '../jobs/announcer.js';
import type { PendingChange } from '../jobs/pending.js';
import type { JobExecution } from '../jobs/types.js';
import type { ClusterBus } from './bus.js';
import type { ClusterNodes } from './nodes.js';

const TOPIC = 'jobs';

/**
 * After a gap in the bus, executions changed from this long before it began
 * are announced again (the nodes' clocks may differ a little; a repeated
 * notify carries the current state, so it is harmless).
 */
export const CATCH_UP_MARGIN_MS = 60_000;

/** What one bus event says: these things' pending lists changed (flags: 1 the list, 2 the head). */
type Relayed = { k: 'pending'; t: Array<[thingName: string, flags: number]>; at: number } | { k: 'catch-up'; since: number };

/** This node's renderer: the broker's announcer, told when (wall clock) the change was committed. */
export interface LocalNotifier extends JobsAnnouncer {
  pendingChanged(changes: readonly PendingChange[], committedAtMs?: number): Promise<void>;
}

export interface JobsRelayDeps {
  bus: ClusterBus;
  nodes: ClusterNodes;
  /** Renders and publishes notify / notify-next from this node (the broker's announcer). */
  local: LocalNotifier;
  /** The node each client id is connected to now (mqtt_connectivity). */
  nodesOf(clientIds: readonly string[]): Promise<Map<string, string>>;
  /** Client ids recorded connected to a node. */
  connectedOn(nodeId: string): Promise<Array<{ clientId: string }>>;
  /** True when the client is connected to this node's broker. */
  isLocal(clientId: string): boolean;
  pendingLists(thingNames: readonly string[]): Promise<Map<string, JobExecution[]>>;
  thingsChangedSince(thingNames: readonly string[], sinceMs: number): Promise<string[]>;
  logger: Logger;
}

/**
 * Jobs notifications across a cluster. A change's executions are committed
 * first; then the node that made it sends ONE bus event naming the things
 * whose devices are connected to other live nodes (never a rendered
 * notification per device), and renders the rest itself: its own devices, and
 * things connected nowhere (so persistent sessions still get them queued).
 * Each node hearing the event reads the current pending lists of its own
 * devices from the database, renders notify / notify-next (fresh presigned
 * links) and publishes them to its connections. A device's connection is
 * bound to the thing of the same name, so client id = thing name here.
 *
 * The bus is a doorbell: after a gap (Redis unreachable, for this node or
 * another), the node that was cut off re-announces to its own devices every
 * thing whose executions changed since the gap began, and asks every other
 * node to do the same — so a job created meanwhile reaches a device that
 * stayed connected, without it reconnecting.
 */
export class JobsRelay implements JobsAnnouncer {
  private readonly stops: Array<() => void>;

  constructor(private readonly deps: JobsRelayDeps) {
    this.stops = [
      deps.bus.subscribe(TOPIC, (message) => this.heard(message as Relayed)),
      deps.bus.onResync(async ({ lostAtMs }) => {
        const since = lostAtMs - CATCH_UP_MARGIN_MS;
        await deps.bus.publish(TOPIC, { k: 'catch-up', since } satisfies Relayed).catch((e: unknown) => deps.logger.warn({ err: e }, 'jobs: asking the other nodes to catch up failed'));
        await this.catchUp(since);
      }),
    ];
  }

  async pendingChanged(changes: readonly PendingChange[]): Promise<void> {
    const elsewhere = await this.heldElsewhere(changes.map((c) => c.thingName));
    const remote = changes.filter((c) => elsewhere.has(c.thingName));
    const at = Date.now();
    if (remote.length > 0) {
      const event: Relayed = { k: 'pending', t: remote.map((c) => [c.thingName, (c.listChanged ? 1 : 0) | (c.nextChanged ? 2 : 0)]), at };
      // Unsent (Redis away): this node's resync asks the others to catch up once it is back.
      await this.deps.bus.publish(TOPIC, event).catch((e: unknown) => this.deps.logger.warn({ err: e, things: remote.length }, 'jobs: telling the other nodes failed; they catch up when the bus is back'));
    }
    await this.deps.local.pendingChanged(remote.length === 0 ? changes : changes.filter((c) => !elsewhere.has(c.thingName)), at);
  }

  executionEvent(...args: Parameters<JobsAnnouncer['executionEvent']>): Promise<void> {
    return this.deps.local.executionEvent(...args);
  }

  jobEvent(...args: Parameters<JobsAnnouncer['jobEvent']>): Promise<void> {
    return this.deps.local.jobEvent(...args);
  }

  stop(): void {
    for (const stop of this.stops) stop();
  }

  /** Things whose devices are connected to another live node. */
  private async heldElsewhere(thingNames: string[]): Promise<Set<string>> {
    const held = await this.deps.nodesOf(thingNames.filter((t) => !this.deps.isLocal(t)));
    if (held.size === 0) return new Set();
    const alive = new Set((await this.deps.nodes.list()).filter((n) => n.alive).map((n) => n.nodeId));
    alive.delete(this.deps.bus.nodeId);
    return new Set([...held].filter(([, node]) => alive.has(node)).map(([thing]) => thing));
  }

  private async heard(message: Relayed): Promise<void> {
    if (message.k === 'catch-up') return this.catchUp(message.since);
    const mine = message.t.filter(([thing]) => this.deps.isLocal(thing));
    if (mine.length === 0) return;
    const lists = await this.deps.pendingLists(mine.map(([thing]) => thing));
    await this.deps.local.pendingChanged(
      mine.map(([thing, flags]) => ({ thingName: thing, pending: lists.get(thing) ?? [], listChanged: (flags & 1) !== 0, nextChanged: (flags & 2) !== 0 })),
      message.at,
    );
  }

  /** Announces again, to this node's devices, every thing whose executions changed since `sinceMs`. */
  private async catchUp(sinceMs: number): Promise<void> {
    const connected = (await this.deps.connectedOn(this.deps.bus.nodeId)).map((r) => r.clientId).filter((id) => this.deps.isLocal(id));
    const changed = await this.deps.thingsChangedSince(connected, sinceMs);
    if (changed.length === 0) return;
    const lists = await this.deps.pendingLists(changed);
    this.deps.logger.info({ things: changed.length }, 'jobs: catching up after a gap in the cluster bus');
    await this.deps.local.pendingChanged(changed.map((thing) => ({ thingName: thing, pending: lists.get(thing) ?? [], listChanged: true, nextChanged: true })));
  }
}
