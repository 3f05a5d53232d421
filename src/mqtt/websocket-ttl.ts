import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Connections } from './connections.js';

/** AWS ends a SigV4 WebSocket connection 24 hours after it connected, whatever its credentials' expiry. */
export const WEBSOCKET_TTL_MS = 24 * 60 * 60 * 1000;
const SWEEP_EVERY_MS = 1000;

/**
 * Closes signed WebSocket connections older than the TTL with
 * `WEBSOCKET_TTL_EXPIRATION`, judged on the injectable clock (a test moves it
 * past the limit). The expiry of the temporary credentials that signed the
 * URL closes nothing: AWS keeps the connection until this limit, and SDKs
 * rely on that. Returns the function that stops it.
 */
export function expireSignedConnections(deps: { connections: Connections; clock: Clock; logger: Logger }): () => void {
  const sweep = () => {
    const now = deps.clock.now();
    const expired = deps.connections.where((c) => c.signer !== undefined && c.connectedAt !== undefined && now - c.connectedAt >= WEBSOCKET_TTL_MS);
    for (const connection of expired) {
      deps.logger.info({ clientId: connection.clientId, sessionId: connection.sessionId }, 'mqtt websocket connection closed: its 24-hour limit passed');
      void connection.close('WEBSOCKET_TTL_EXPIRATION');
    }
  };
  const timer = setInterval(sweep, SWEEP_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
