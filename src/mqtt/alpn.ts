import type { Server as TlsServer, TLSSocket } from 'node:tls';
import type { FerryBroker } from './broker.js';

/** The ALPN name AWS IoT Core's port 443 takes for MQTT with a client certificate. */
export const MQTT_ALPN = 'x-amzn-mqtt-ca';

/**
 * A listener's ALPN list for HTTPS plus MQTT: MQTT first, so a client offering
 * `x-amzn-mqtt-ca` gets it (the server's order decides); browsers and HTTP
 * clients never offer it and get `http/1.1`, as do clients offering no ALPN.
 */
export const HTTPS_AND_MQTT_ALPN = [MQTT_ALPN, 'http/1.1'];

/**
 * Hands the sockets of `server` that negotiated `x-amzn-mqtt-ca` to the broker,
 * exactly as the MQTT port's (client certificate, IoT policies); every other
 * socket goes on to HTTPS. Installed before any other `secureConnection`
 * listener is added (the PROXY-protocol reader prepends its own, which then
 * runs for both). `broker()` is undefined until the broker has started: an
 * MQTT socket arriving before that is closed.
 */
export function routeMqttByAlpn(server: TlsServer, broker: () => Pick<FerryBroker, 'handle'> | undefined): void {
  const https = server.listeners('secureConnection') as Array<(socket: TLSSocket) => void>;
  server.removeAllListeners('secureConnection');
  server.on('secureConnection', (socket: TLSSocket) => {
    if (socket.alpnProtocol !== MQTT_ALPN) return https.forEach((listener) => listener.call(server, socket));
    const target = broker();
    if (target) target.handle(socket);
    else socket.destroy();
  });
}
