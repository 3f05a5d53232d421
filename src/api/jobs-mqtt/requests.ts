/**
 * A device's request on `$aws/things/{thing}/jobs/…` (aws-wire-protocols.md
 * §1.1–§1.2, §1.6): which operation its topic names, its JSON payload, and
 * the answers on `<request topic>/accepted` and `/rejected`, which go to the
 * requesting connection only and echo its clientToken.
 */
import type { Clock } from '../../clock.js';
import { isFerryError } from '../../errors.js';
import type { Refusal } from '../../jobs/state-machine.js';
import type { JobExecution } from '../../jobs/types.js';
import type { DeviceMessaging, DeviceRequest } from '../../mqtt/device-messaging.js';
import { seconds, stateShape } from '../jobs-device/shapes.js';

/** §1.6, as SDK-V2's RejectedErrorCode spells them. */
export type RejectedCode =
  | 'InvalidTopic'
  | 'InvalidJson'
  | 'InvalidRequest'
  | 'InvalidStateTransition'
  | 'ResourceNotFound'
  | 'VersionMismatch'
  | 'InternalError'
  | 'RequestThrottled'
  | 'TerminalStateReached';

export type Operation = { kind: 'get' } | { kind: 'start-next' } | { kind: 'describe'; jobId: string } | { kind: 'update'; jobId: string };

const TOPIC = /^\$aws\/things\/([^/]+)\/jobs\/(.+)$/;

/** The thing and operation a request topic names; undefined for a topic that maps to no API (InvalidTopic). */
export function routeOf(topic: string): { thingName: string; op: Operation } | undefined {
  const m = TOPIC.exec(topic);
  if (!m) return undefined;
  const thingName = m[1]!;
  const rest = m[2]!;
  if (rest === 'get') return { thingName, op: { kind: 'get' } };
  if (rest === 'start-next') return { thingName, op: { kind: 'start-next' } };
  const parts = rest.split('/');
  if (parts.length !== 2) return undefined;
  const [jobId = '', verb] = parts;
  if (verb === 'get') return { thingName, op: { kind: 'describe', jobId } };
  if (verb === 'update' && jobId !== '$next') return { thingName, op: { kind: 'update', jobId } };
  return undefined;
}

/** A rejected answer in the making (thrown by handlers, sent by the dispatcher). */
export class Rejection extends Error {
  constructor(
    readonly code: RejectedCode,
    message: string,
    readonly executionState?: JobExecution,
  ) {
    super(message);
  }
}

/** The payload as a JSON object; an empty payload is `{}` (SDK-V1 publishes '{}', some clients nothing). */
export function parsePayload(payload: Buffer): Record<string, unknown> {
  if (payload.length === 0) return {};
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(payload);
  } catch {
    throw new Rejection('InvalidJson', 'The payload is not valid UTF-8.');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Rejection('InvalidJson', `The payload is not valid JSON: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Rejection('InvalidRequest', 'The payload must be a JSON object.');
  return value as Record<string, unknown>;
}

/** clientToken, echoed verbatim when it is a string (§1.2). */
export function clientTokenOf(body: Record<string, unknown>): string | undefined {
  return typeof body.clientToken === 'string' ? body.clientToken : undefined;
}

const REFUSAL_CODES: Record<Refusal['code'], RejectedCode> = {
  InvalidRequest: 'InvalidRequest',
  InvalidStateTransition: 'InvalidStateTransition',
  VersionMismatch: 'VersionMismatch',
  TerminalState: 'TerminalStateReached',
};

/** A state-machine refusal as a rejection; VersionMismatch and InvalidStateTransition carry the execution's state (§1.6). */
export function rejectionOf(refusal: Refusal, current: JobExecution): Rejection {
  const withState = refusal.code === 'VersionMismatch' || refusal.code === 'InvalidStateTransition';
  return new Rejection(REFUSAL_CODES[refusal.code], refusal.message, withState ? current : undefined);
}

/** Domain errors as §1.6 codes; anything unexpected is InternalError (the device may retry). */
export function rejectionOfError(error: unknown): Rejection | undefined {
  if (error instanceof Rejection) return error;
  if (!isFerryError(error)) return undefined;
  switch (error.kind) {
    case 'NotFound':
      return new Rejection('ResourceNotFound', error.message);
    case 'InvalidInput':
    case 'TooLarge':
      return new Rejection('InvalidRequest', error.message);
    case 'InvalidState':
      return new Rejection('InvalidStateTransition', error.message);
    case 'LimitExceeded':
      return new Rejection('RequestThrottled', error.message);
    default:
      return undefined;
  }
}

/** Answers one request: accepted or rejected, to its sender only, with timestamp and clientToken. */
export class Responder {
  constructor(
    private readonly messaging: DeviceMessaging,
    private readonly clock: Clock,
    readonly request: DeviceRequest,
    readonly clientToken: string | undefined,
  ) {}

  accepted(payload: object): Promise<boolean> {
    return this.send('accepted', payload);
  }

  rejected(r: Rejection): Promise<boolean> {
    return this.send('rejected', {
      code: r.code,
      message: r.message,
      ...(r.executionState ? { executionState: stateShape(r.executionState) } : {}),
    });
  }

  private send(outcome: 'accepted' | 'rejected', payload: object): Promise<boolean> {
    const token = this.clientToken === undefined ? {} : { clientToken: this.clientToken };
    return this.messaging.reply(this.request, { topic: `${this.request.topic}/${outcome}`, payload: { ...payload, ...token, timestamp: seconds(this.clock.now()) } });
  }
}
