import net from 'node:net';

const handedOut = new Set<number>();

/**
 * A port free on 127.0.0.1 now, for a program that cannot be told "port 0"
 * and report what it bound (HAProxy's frontends, a process whose ports must be
 * known before it starts). The system picks it; none is handed out twice.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}
