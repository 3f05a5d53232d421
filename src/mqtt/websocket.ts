import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { toAwsError } from '../protocols/errors/registry.js';
import { unauthenticated } from '../errors.js';
import type { FerryBroker } from './broker.js';
import { MAX_PACKET_BYTES } from './limits.js';
import { verifyWebSocketUrl, type WebSocketAuthDeps } from './websocket-auth.js';

/** Where MQTT over WebSocket is served, as on AWS (`wss://ENDPOINT/mqtt`). */
export const MQTT_WEBSOCKET_PATH = '/mqtt';

/** `mqtt` (MQTT 3.1.1 as mqtt.js names it) and `mqttv3.1` (the AWS SDKs' and the CRT's); the one chosen is echoed. */
const SUBPROTOCOLS = ['mqtt', 'mqttv3.1'];

export interface MqttWebSocketDeps extends WebSocketAuthDeps {
  broker: Pick<FerryBroker, 'handle'>;
  logger: Logger;
  /** The listener's name, for logs. */
  listener: string;
}

/** Something that emits HTTP upgrades: the listeners' https servers. */
export interface UpgradeSource {
  on(event: 'upgrade', listener: (req: IncomingMessage, socket: Duplex, head: Buffer) => void): unknown;
  off(event: 'upgrade', listener: (req: IncomingMessage, socket: Duplex, head: Buffer) => void): unknown;
}

/**
 * MQTT over WebSocket at `/mqtt` on an https server. Before the upgrade the
 * request is authenticated: a SigV4 presigned URL (IAM policies then decide,
 * websocket-auth.ts) or, a Ferry extension, a client certificate on the TLS
 * session (its IoT policies decide, as on the MQTT port). A bad or missing
 * signature, a wrong path or an unsupported subprotocol is answered with an
 * HTTP error and its reason, and no upgrade. Returns the function that stops serving.
 */
export function serveMqttWebSocket(server: UpgradeSource, deps: MqttWebSocketDeps): () => void {
  const logger = deps.logger.child({ component: 'mqtt-websocket', listener: deps.listener });
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    // One frame carries at most one MQTT packet from the SDKs; packet-guard.ts judges the packet itself.
    maxPayload: MAX_PACKET_BYTES + 16,
    handleProtocols: (offered) => SUBPROTOCOLS.find((p) => offered.has(p)) ?? false,
  });
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refusal = requestRefusal(req);
    if (refusal) return refuse(socket, refusal.status, refusal.message, logger);
    const tlsSocket = req.socket as TLSSocket;
    authenticateUpgrade(req, tlsSocket, deps).then(
      (signer) =>
        wss.handleUpgrade(req, socket, head, (ws) => {
          const stream = createWebSocketStream(ws);
          // ws emits errors of a closed peer on the stream; the broker learns of the close itself.
          stream.on('error', (error) => logger.debug({ err: error.message }, 'mqtt websocket stream error'));
          deps.broker.handle(tlsSocket, signer ? { stream, signer } : { stream });
        }),
      (error: unknown) => {
        const aws = toAwsError('iot', error);
        if (aws.status >= 500) logger.error({ err: error }, 'mqtt websocket authentication failed unexpectedly');
        else logger.info({ reason: aws.message }, 'mqtt websocket upgrade refused');
        refuse(socket, aws.status, aws.message, logger, aws.code);
      },
    );
  };
  server.on('upgrade', onUpgrade);
  return () => {
    server.off('upgrade', onUpgrade);
    wss.close();
  };
}

function requestRefusal(req: IncomingMessage): { status: number; message: string } | undefined {
  const path = (req.url ?? '/').split('?')[0];
  if (path !== MQTT_WEBSOCKET_PATH) return { status: 404, message: `No WebSocket here: MQTT over WebSocket is served at ${MQTT_WEBSOCKET_PATH}` };
  if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') return { status: 400, message: 'Only WebSocket upgrades are accepted' };
  const offered = req.headers['sec-websocket-protocol'];
  if (offered !== undefined) {
    const names = offered.split(',').map((p) => p.trim());
    if (!names.some((p) => SUBPROTOCOLS.includes(p))) {
      return { status: 400, message: `Unsupported WebSocket subprotocol '${offered}': offer ${SUBPROTOCOLS.map((p) => `'${p}'`).join(' or ')}` };
    }
  }
  return undefined;
}

/** The signer, or undefined for a client-certificate connection; throws when neither authenticates it. */
async function authenticateUpgrade(req: IncomingMessage, socket: TLSSocket, deps: WebSocketAuthDeps) {
  const signer = await verifyWebSocketUrl(req, deps);
  if (signer) return signer;
  if (socket.getPeerX509Certificate?.()) return undefined;
  throw unauthenticated('Missing Authentication Token: sign the URL with SigV4 (service iotdevicegateway) or present a client certificate', 'missing-authentication');
}

/** An HTTP answer on the raw socket, then close: the upgrade never happens. */
function refuse(socket: Duplex, status: number, message: string, logger: Logger, code?: string): void {
  const body = JSON.stringify(code ? { __type: code, message } : { message });
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    'Content-Type: application/json',
    ...(code ? [`x-amzn-ErrorType: ${code}`] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
  ];
  if (socket.destroyed) return;
  socket.on('error', (error) => logger.debug({ err: error.message }, 'mqtt websocket refusal not delivered'));
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
}
