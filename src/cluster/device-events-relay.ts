import type { Logger } from 'pino';
import type { DeviceEvent, DeviceEvents } from '../mqtt/device-events.js';
import type { ClusterBus } from './bus.js';

const TOPIC = 'device-events';

const TYPES = new Set<DeviceEvent['type']>(['tls', 'connect-refused', 'lifecycle', 'jobs-request']);

/**
 * What each node's broker sees of its device connections (device-events.ts),
 * told to the other nodes: a device connected through node B ticks the
 * connect checklist open on node A's console. Like every bus message these
 * are doorbells: an event lost in a bus gap is not sent again (the checklist
 * shows what happens from the moment it is opened, on one node as on many).
 */
export function relayDeviceEvents(deps: { events: DeviceEvents; bus: ClusterBus; logger: Logger }): () => void {
  const stopSending = deps.events.relayTo((event) => {
    deps.bus.publish(TOPIC, event).catch((error: unknown) => deps.logger.warn({ err: error }, 'relaying a device event failed'));
  });
  const stopHearing = deps.bus.subscribe(TOPIC, (message) => {
    if (isDeviceEvent(message)) deps.events.emitRelayed(message);
  });
  return () => {
    stopSending();
    stopHearing();
  };
}

function isDeviceEvent(message: unknown): message is DeviceEvent {
  const m = message as { type?: unknown; at?: unknown } | null;
  return typeof m === 'object' && m !== null && TYPES.has(m.type as DeviceEvent['type']) && typeof m.at === 'number';
}
