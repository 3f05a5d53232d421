import net from 'node:net';

/** A v2 PROXY header (PROXY command, STREAM) naming `source`, with optional TLV bytes. */
export function v2Header(source: { address: string; port: number }, tlvs: Buffer = Buffer.alloc(0)): Buffer {
  const six = net.isIPv6(source.address);
  const addresses = Buffer.alloc(six ? 36 : 12);
  if (six) {
    ipv6Bytes(source.address).copy(addresses, 0);
    ipv6Bytes('::1').copy(addresses, 16);
    addresses.writeUInt16BE(source.port, 32);
    addresses.writeUInt16BE(8883, 34);
  } else {
    Buffer.from(source.address.split('.').map(Number)).copy(addresses, 0);
    Buffer.from([10, 0, 0, 1]).copy(addresses, 4);
    addresses.writeUInt16BE(source.port, 8);
    addresses.writeUInt16BE(8883, 10);
  }
  const head = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x21, six ? 0x21 : 0x11, 0, 0]);
  head.writeUInt16BE(addresses.length + tlvs.length, 14);
  return Buffer.concat([head, addresses, tlvs]);
}

function ipv6Bytes(address: string): Buffer {
  const [left = '', right = ''] = address.split('::');
  const l = left ? left.split(':') : [];
  const r = right ? right.split(':') : [];
  const groups = [...l, ...Array(8 - l.length - r.length).fill('0'), ...r];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

export interface FakeBalancer {
  port: number;
  close(): void;
}

/**
 * A stand-in for a TCP balancer: accepts on 127.0.0.1, connects to `target`
 * from `localAddress` (all of 127/8 is loopback), writes `header` first, then
 * relays both ways. Lets a test send a PROXY header from a trusted or an
 * untrusted address.
 */
export async function fakeBalancer(target: { host: string; port: number }, localAddress: string, header: (client: net.Socket) => Buffer): Promise<FakeBalancer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: target.host, port: target.port, localAddress });
    // Queued before anything the client sends: the header goes first.
    upstream.write(header(client));
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => s.destroy());
      s.on('close', () => {
        sockets.delete(s);
        (s === client ? upstream : client).destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      server.close();
      for (const s of sockets) s.destroy();
    },
  };
}
