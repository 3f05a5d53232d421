/**
 * The first-connection checklist of the console's connect wizard: four steps a new device
 * goes through, ticked from what the broker sees (device-events.ts), for one thing and the
 * certificates attached to it. Pure: the route feeds it events and sends what changed.
 */
import type { DeviceEvent } from '../mqtt/device-events.js';

export type StepName = 'tls' | 'connect' | 'subscribe' | 'jobs';
export type StepStatus = 'waiting' | 'done' | 'failed';

export interface Step {
  name: StepName;
  status: StepStatus;
  /** What was seen: the certificate, the client id, the topics, the refusal. */
  detail?: string;
  at?: number;
  /** A refused CONNECT: the denied action and the statements that would have to change. */
  explanation?: unknown;
}

export interface Watched {
  thingName: string;
  /** The ids of the certificates attached to the thing. */
  certificateIds: ReadonlySet<string>;
}

export const STEP_TITLES: Record<StepName, string> = {
  tls: 'TLS handshake seen',
  connect: 'CONNECT allowed',
  subscribe: 'Subscribed to its Jobs topics',
  jobs: 'First Jobs request',
};

export const initialChecklist = (): Step[] => (['tls', 'connect', 'subscribe', 'jobs'] as const).map((name) => ({ name, status: 'waiting' }));

/** Whether the event is about this thing's device. */
export function concerns(event: DeviceEvent, w: Watched): boolean {
  switch (event.type) {
    case 'tls':
      return w.certificateIds.has(event.certificateId);
    case 'connect-refused':
      return event.clientId === w.thingName || (event.certificateId !== undefined && w.certificateIds.has(event.certificateId));
    case 'jobs-request':
      return event.thingName === w.thingName || w.certificateIds.has(event.certificateId);
    case 'lifecycle': {
      const principal = String(event.event.principalIdentifier ?? '');
      return event.event.clientId === w.thingName || w.certificateIds.has(principal);
    }
  }
}

/** The step an event ticks (or fails), if any. */
export function stepOf(event: DeviceEvent): Step | undefined {
  const at = event.at;
  switch (event.type) {
    case 'tls':
      return { name: 'tls', status: 'done', detail: `certificate ${event.certificateId.slice(0, 12)}… from ${event.sourceIp ?? 'an unknown address'}`, at };
    case 'connect-refused':
      return { name: 'connect', status: 'failed', detail: `client id ${event.clientId}: ${event.reason}`, at };
    case 'jobs-request':
      return { name: 'jobs', status: 'done', detail: event.topic, at };
    case 'lifecycle': {
      const kind = event.event.eventType;
      if (kind === 'connected') return { name: 'connect', status: 'done', detail: `client id ${String(event.event.clientId)}`, at };
      if (kind === 'subscribed') {
        const topics = (Array.isArray(event.event.topics) ? event.event.topics : []).map(String);
        if (topics.some((t) => t.includes('/jobs/'))) return { name: 'subscribe', status: 'done', detail: topics.join(', '), at };
      }
      return undefined;
    }
  }
}

/**
 * Applies a step: a success ticks its step and the ones it implies (a CONNECT allowed means the
 * handshake happened); a refusal is shown until the device connects.
 */
export function apply(list: Step[], step: Step): Step[] {
  const order: StepName[] = ['tls', 'connect', 'subscribe', 'jobs'];
  const index = order.indexOf(step.name);
  return list.map((s, i) => {
    if (s.name === step.name) return s.status === 'done' && step.status === 'failed' ? s : step;
    if (step.status === 'done' && i < index && s.status !== 'done') return { name: s.name, status: 'done', at: step.at ?? 0, detail: 'implied by a later step' };
    return s;
  });
}
