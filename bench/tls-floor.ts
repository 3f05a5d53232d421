/**
 * `node --import tsx bench/tls-floor.ts [N]`: what one idle connection costs a
 * bare Node.js server, with nothing on top: plain TCP, TLS, and mutual TLS with
 * a device certificate (EC P-256 from Ferry's own PKI, a few bytes each way,
 * the peer certificate kept, as a broker does). The floor under the fleet
 * benchmark's "server memory per connected device": whatever Ferry adds is
 * the difference. Server and clients are separate processes; RSS is read
 * after forced garbage collection.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { createCertificateAuthority, generateKeyPair, issueDeviceCertificate, issueServerCertificate } from '../src/pki/index.js';

type Mode = 'tcp' | 'tls' | 'mtls';
interface Material {
  ca: string;
  serverCert: string;
  serverKey: string;
  deviceCert: string;
  deviceKey: string;
}

const SELF = fileURLToPath(import.meta.url);
const HANDSHAKES_AT_ONCE = 64;

async function material(): Promise<Material> {
  const nowMs = Date.now();
  const ca = await createCertificateAuthority({ commonName: 'tls-floor CA', nowMs });
  const server = await issueServerCertificate({ ca, dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], nowMs });
  const device = await generateKeyPair('ec');
  const deviceCert = await issueDeviceCertificate({ ca, publicKeyPem: device.publicKeyPem, nowMs });
  return { ca: ca.certificatePem, serverCert: server.certificatePem, serverKey: server.privateKeyPem, deviceCert, deviceKey: device.privateKeyPem };
}

/** Child: holds every connection it accepts; answers 'measure' with its memory after GC. */
function serve(mode: Mode, m: Material): void {
  const held: net.Socket[] = [];
  const onSocket = (socket: net.Socket) => {
    held.push(socket);
    if (socket instanceof tls.TLSSocket && mode === 'mtls') Object.assign(socket, { peer: socket.getPeerX509Certificate() });
    socket.on('data', () => socket.write(Buffer.alloc(16)));
    socket.on('error', () => {});
  };
  const server =
    mode === 'tcp'
      ? net.createServer(onSocket)
      : tls.createServer({ key: m.serverKey, cert: m.serverCert, ca: m.ca, requestCert: mode === 'mtls', rejectUnauthorized: mode === 'mtls' }).on('secureConnection', onSocket);
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as net.AddressInfo).port }));
  process.on('message', () => {
    (globalThis as { gc?: () => void }).gc?.();
    process.send!({ held: held.length, ...process.memoryUsage() });
  });
}

/** Child: opens n connections, sends a few bytes on each, and holds them. */
async function connect(mode: Mode, m: Material, port: number, n: number): Promise<void> {
  const context = tls.createSecureContext({ key: m.deviceKey, cert: m.deviceCert, ca: m.ca });
  const held: net.Socket[] = [];
  const one = async () => {
    const socket = mode === 'tcp' ? net.connect(port, '127.0.0.1') : tls.connect({ port, host: '127.0.0.1', secureContext: context });
    await once(socket, mode === 'tcp' ? 'connect' : 'secureConnect');
    socket.write(Buffer.alloc(64));
    held.push(socket);
  };
  let next = 0;
  await Promise.all(Array.from({ length: HANDSHAKES_AT_ONCE }, async () => {
    while (next < n) {
      next += 1;
      await one();
    }
  }));
  process.send!('connected');
  await new Promise(() => {});
}

async function measure(mode: Mode, m: Material, n: number): Promise<string> {
  const server = fork(SELF, ['serve', mode], { execArgv: ['--expose-gc', '--import', 'tsx'], env: { ...process.env, TLS_FLOOR: JSON.stringify(m) } });
  let client: ReturnType<typeof fork> | undefined;
  try {
    const [{ port }] = (await once(server, 'message')) as [{ port: number }];
    const ask = async () => {
      server.send('measure');
      return ((await once(server, 'message')) as [Record<string, number>])[0];
    };
    const before = await ask();
    client = fork(SELF, ['connect', mode, String(port), String(n)], { execArgv: ['--import', 'tsx'], env: { ...process.env, TLS_FLOOR: JSON.stringify(m) } });
    await once(client, 'message');
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const after = await ask();
    const per = (field: string) => ((after[field]! - before[field]!) / n / 1024).toFixed(1);
    return `| ${mode} | ${after.held} | ${per('rss')} | ${per('heapUsed')} |`;
  } finally {
    client?.kill();
    server.kill();
  }
}

const [role, ...args] = process.argv.slice(2);
if (role === 'serve') serve(args[0] as Mode, JSON.parse(process.env.TLS_FLOOR!) as Material);
else if (role === 'connect') await connect(args[0] as Mode, JSON.parse(process.env.TLS_FLOOR!) as Material, Number(args[1]), Number(args[2]));
else {
  const n = Number(role ?? 2000);
  const m = await material();
  console.log(`Node ${process.versions.node}, OpenSSL ${process.versions.openssl}, ${n} idle connections\n`);
  console.log('| server | connections held | RSS KiB per connection | JS heap KiB per connection |\n| --- | --- | --- | --- |');
  for (const mode of ['tcp', 'tls', 'mtls'] as const) console.log(await measure(mode, m, n));
}
