import type { TLSSocket } from 'node:tls';
import type { AedesOptions, AuthenticateError, Client, ConnectPacket } from 'aedes';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Connections, DeviceConnection } from './connections.js';
import type { DeviceAuthority, Resolution, ResolvedDevice } from './device-authority.js';
import type { IamAuthority } from './iam-authority.js';
import { publishRefusal } from './reserved-topics.js';
import { byteLength, DEFAULT_MQTT_LIMITS, MAX_CLIENT_ID_BYTES, type MqttLimits } from './limits.js';
import type { ConnectRate } from './connect-rate.js';
import type { ConnectFailureReason } from './subscription-events.js';
import type { MqttArns } from './topics.js';

export interface AuthenticateDeps {
  authority: DeviceAuthority;
  /** Judges SigV4-signed WebSocket connections; without it they are refused. */
  iamAuthority?: IamAuthority;
  connections: Connections;
  arns: MqttArns;
  clock: Clock;
  logger: Logger;
  limits?: MqttLimits;
  /** Counts CONNECTs per client id (AWS's 1 a second); absent = no limit. */
  connectRate?: ConnectRate;
  /** Told of each CONNECT refused after its client id was known (connect-failure events). */
  connectFailed?(connection: DeviceConnection, reason: ConnectFailureReason, message: string): void;
}

// CONNACK 3: server unavailable, the answer to a CONNECT over its client id's rate.
const SERVER_UNAVAILABLE = 3;

// CONNACK return codes (MQTT 3.1.1 §3.2.2.3).
const IDENTIFIER_REJECTED = 2;
const NOT_AUTHORIZED = 5;

/** Registry changes racing one CONNECT are rare; past this many re-resolutions the CONNECT is refused. */
const MAX_RESOLUTIONS = 5;

/**
 * Before aedes looks at the CONNECT: remember the client id as sent (aedes
 * invents one for an empty id) and hold the keep-alive to AWS's ceiling.
 */
export function preConnect(deps: AuthenticateDeps): NonNullable<AedesOptions['preConnect']> {
  return (client: Client, packet: ConnectPacket, done) => {
    const connection = deps.connections.of(client);
    if (connection) {
      connection.clientId = packet.clientId ?? '';
      if (packet.will) connection.will = { topic: packet.will.topic, retain: packet.will.retain === true };
    }
    const ceiling = (deps.limits ?? DEFAULT_MQTT_LIMITS).keepAliveCeilingSeconds;
    if (!packet.keepalive || packet.keepalive > ceiling) packet.keepalive = ceiling;
    done(null, true);
  };
}

/**
 * CONNECT: the client certificate must be registered and ACTIVE (the registry
 * decides, CA included), or the WebSocket upgrade signed by an IAM principal
 * (its IAM policies then decide), and the policies must allow `iot:Connect` on
 * `client/{clientId}`. The policies are compiled here, once, with every
 * variable bound, for the hooks that follow. Username and password are ignored,
 * as AWS does for certificate connections. A refusal answers CONNACK 5 (2 for a
 * bad client id) and closes.
 */
export function authenticate(deps: AuthenticateDeps): NonNullable<AedesOptions['authenticate']> {
  return (client, _username, _password, done) => {
    const connection = deps.connections.of(client);
    if (!connection) return done(refusal(NOT_AUTHORIZED, 'unknown connection'), false);
    accept(deps, connection).then(
      (error) => {
        if (!error) return done(null, true);
        if (connection.clientId !== '') deps.connectFailed?.(connection, error.returnCode === SERVER_UNAVAILABLE ? 'THROTTLED' : 'AUTHORIZATION_FAILED', error.message);
        done(error, false);
      },
      (error: unknown) => {
        deps.logger.error({ err: error, clientId: connection.clientId }, 'mqtt authentication failed unexpectedly');
        done(refusal(NOT_AUTHORIZED, 'internal error'), false);
      },
    );
  };
}

async function accept(deps: AuthenticateDeps, connection: DeviceConnection): Promise<AuthenticateError | undefined> {
  const { clientId } = connection;
  const log = deps.logger.child({ clientId, sessionId: connection.sessionId });
  if (clientId === '' || byteLength(clientId) > MAX_CLIENT_ID_BYTES) {
    log.info('mqtt connect refused: client id must be 1-128 bytes');
    return refusal(IDENTIFIER_REJECTED, 'client id must be 1-128 bytes');
  }
  if (deps.connectRate && !deps.connectRate.admit(clientId)) {
    log.info('mqtt connect refused: more than the connect requests per second allowed for this client id');
    return refusal(SERVER_UNAVAILABLE, 'too many connect requests for this client id');
  }
  const resolution = connection.signer ? await resolveSigner(deps, connection) : await resolveCertificate(deps, connection);
  if (!resolution.ok) {
    log.info({ reason: resolution.reason }, `mqtt connect refused: ${resolution.message}`);
    return refusal(NOT_AUTHORIZED, resolution.message);
  }
  const { device } = resolution;
  if (!device.policy.allows('iot:Connect', deps.arns.client(clientId))) {
    log.info({ certificateId: device.certificateId }, 'mqtt connect refused: iot:Connect not allowed');
    return refusal(NOT_AUTHORIZED, 'iot:Connect is not allowed');
  }
  const willRefused = connection.will && willRefusal(deps, device, connection.will);
  if (willRefused) {
    log.info({ certificateId: device.certificateId, topic: connection.will!.topic }, `mqtt connect refused: ${willRefused}`);
    return refusal(NOT_AUTHORIZED, willRefused);
  }
  if (connection.client.closed) return refusal(NOT_AUTHORIZED, 'connection closed');
  if (!connection.signer) connection.certificateId = device.certificateId;
  connection.device = device;
  connection.connectedAt = deps.clock.now();
  const previous = deps.connections.accept(connection);
  // aedes closes the previous connection with this client id next, as AWS does.
  previous?.noteDisconnect('DUPLICATE_CLIENTID');
  log.debug({ certificateId: device.certificateId, thingName: device.thingName }, 'mqtt connect accepted');
  return undefined;
}

/**
 * The will is judged at CONNECT, as a publish of the device's: in a cluster a
 * survivor publishes the will of a device whose node died, when there is no
 * connection left to judge it by (aedes asks again, with the connection, when
 * its own node publishes it).
 */
function willRefusal(deps: AuthenticateDeps, device: ResolvedDevice, will: { topic: string; retain: boolean }): string | undefined {
  const reserved = publishRefusal(will.topic, will.retain);
  if (reserved) return `the will message: ${reserved}`;
  const resource = deps.arns.topic(will.topic);
  if (!device.policy.allows('iot:Publish', resource)) return 'the will message: iot:Publish is not allowed on its topic';
  if (will.retain && !device.policy.allows('iot:RetainPublish', resource)) return 'the will message: iot:RetainPublish is not allowed on its topic';
  return undefined;
}

/**
 * A certificate connection: the certificate on the TLS session (the MQTT
 * port's, the device port's with ALPN, or under a WebSocket) names the identity.
 */
function resolveCertificate(deps: AuthenticateDeps, connection: DeviceConnection): Promise<Resolution> {
  const socket = connection.tlsSocket ?? (connection.client.conn as TLSSocket);
  const certificate = socket.getPeerX509Certificate?.();
  if (!certificate) return Promise.resolve({ ok: false, reason: 'no-certificate', message: 'a client certificate is required' });
  // The certificate's id (SHA-256 of its DER, DESIGN.md "ARNs") names it exactly; the TLS handshake proved the key.
  const certificateId = certificate.fingerprint256.replaceAll(':', '').toLowerCase();
  // Known before it is judged: a refused CONNECT's connect_failed event names the certificate presented.
  connection.certificateId = certificateId;
  return resolve(deps, () => deps.authority.resolve(certificateId, { clientId: connection.clientId, sourceIp: connection.sourceIp }));
}

/** A SigV4 WebSocket connection: the signature was verified at the upgrade; IAM policies decide. */
function resolveSigner(deps: AuthenticateDeps, connection: DeviceConnection): Promise<Resolution> {
  const { iamAuthority } = deps;
  const signer = connection.signer!;
  if (!iamAuthority) return Promise.resolve({ ok: false, reason: 'no-iam-authority', message: 'SigV4 connections are not accepted here' });
  return resolve(deps, () => iamAuthority.resolve(signer, { clientId: connection.clientId, sourceIp: connection.sourceIp }));
}

/** Resolves the identity, again if a registry change landed meanwhile, so no change is missed. */
async function resolve(deps: AuthenticateDeps, once: () => Promise<Resolution>): Promise<Resolution> {
  const pending = deps.connections.beginAuthentication();
  try {
    for (let attempt = 0; attempt < MAX_RESOLUTIONS; attempt++) {
      pending.stale = false;
      const resolution = await once();
      if (!pending.stale) return resolution;
    }
    return { ok: false, reason: 'registry-busy', message: 'the registry kept changing while the connection was authenticated' };
  } finally {
    deps.connections.endAuthentication(pending);
  }
}

function refusal(returnCode: number, message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}
