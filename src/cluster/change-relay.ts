import type { Logger } from 'pino';
import { unavailable } from '../errors.js';
import type { ChangeFeed, RegistryEventName, RegistryEvents } from '../registry/index.js';
import type { ClusterBus } from './bus.js';
import type { ClusterNodes } from './nodes.js';

const TOPIC = 'registry';

interface Relayed {
  name: RegistryEventName;
  event: RegistryEvents[RegistryEventName];
}

/**
 * The registry's change feed across the cluster. A change made through any
 * node (a certificate revoked, a policy changed) is applied by that node's
 * listeners, then carried to every other live node, which applies it to its
 * own connections and confirms; the API call answers once all have, or fails
 * with ServiceUnavailableException after `waitMs` naming the nodes that did
 * not (the change itself is committed: retrying is safe). A node that missed
 * events while the bus was down re-checks all its connections when it is back
 * (see the broker's resync). Returns the function that stops relaying.
 */
export function relayRegistryChanges(deps: { feed: ChangeFeed; bus: ClusterBus; nodes: ClusterNodes; waitMs: number; logger: Logger }): () => void {
  const stop = deps.bus.subscribe(TOPIC, async (message) => {
    const { name, event } = message as Relayed;
    await deps.feed.emitLocal(name, event as never);
  });
  deps.feed.useRelay(async (name, event) => {
    const alive = (await deps.nodes.list()).filter((n) => n.alive && n.nodeId !== deps.bus.nodeId);
    if (alive.length === 0) return;
    const { missing } = await deps.bus.publishAndWait(TOPIC, { name, event } satisfies Relayed, alive.map((n) => n.nodeId), deps.waitMs);
    if (missing.length === 0) return;
    const names = alive.filter((n) => missing.includes(n.nodeId)).map((n) => n.nodeName);
    deps.logger.error({ event: name, nodes: names }, 'a registry change was not confirmed by every node in time');
    throw unavailable(
      `The change was saved, but ${names.length === 1 ? 'node' : 'nodes'} ${names.join(', ')} did not confirm applying it within ${Math.round(deps.waitMs / 1000)} s, ` +
        'so connections there may still be held to the earlier state. Retry the call once the cluster is healthy.',
    );
  });
  return stop;
}
