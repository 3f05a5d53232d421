import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import type { Logger } from 'pino';

export interface MqttListener {
  port: number;
  close(): Promise<void>;
}

/**
 * MQTT over TLS. Until the broker's authorization lands (issue 6) every
 * CONNECT is refused with CONNACK 5 "not authorized": the handshake, the
 * certificate request and the port are real, nothing can connect.
 */
export async function startMqttListener(opts: {
  host: string;
  port: number;
  tls: { key: string; cert: string; ca: string[] };
  logger: Logger;
}): Promise<MqttListener> {
  const broker = await Aedes.createBroker({
    authenticate: (_client, _username, _password, done) => {
      const error = Object.assign(new Error('Ferry does not accept MQTT connections yet'), { returnCode: 5 });
      done(error as never, false);
    },
  });
  const server = tls.createServer({ key: opts.tls.key, cert: opts.tls.cert, ca: opts.tls.ca, requestCert: true, rejectUnauthorized: false }, (socket) =>
    broker.handle(socket),
  );
  server.on('tlsClientError', (error) => opts.logger.debug({ err: error.message }, 'mqtt tls handshake failed'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        broker.close(() => undefined);
      }),
  };
}
