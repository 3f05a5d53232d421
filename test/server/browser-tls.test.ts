/**
 * `ferry server --tls-cert FILE --tls-key FILE`: the api and s3 listeners
 * serve the operator's certificate (here from a CA of the test's own, as a
 * browser's would be), the device and MQTT listeners keep Ferry's; SIGHUP
 * serves renewed files and keeps the served pair when the new files are
 * broken; a kit `ferry thing create` writes trusts the chain, so the agent's
 * download path fetches a presigned object from the s3 listener with the kit
 * alone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import tls from 'node:tls';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { createCertificateAuthority, issueServerCertificate } from '../../src/pki/authority.js';
import { agentOptionsFromKit, createTools } from '../../src/agent/agent.js';
import { readKit } from '../../src/agent/kit.js';
import { createLogger } from '../../src/log.js';
import { startChildServer } from '../jobs/child-server.js';
import { tempDir } from '../helpers/temp.js';
import { cli } from '../cli/helpers.js';
import { optionsFromConfig } from '../../src/config/options.js';
import { validateConfig } from '../../src/config/validate.js';

interface Peer {
  fingerprint: string;
  authorized: boolean;
  der: Buffer;
}

/** One TLS handshake with `url`'s host and port, trusting only `ca`: what the listener presented. */
function handshake(url: string, ca: string, servername = 'localhost'): Promise<Peer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: hostname, port: Number(port), ca, servername, rejectUnauthorized: false }, () => {
      const peer = socket.getPeerCertificate();
      resolve({ fingerprint: peer.fingerprint256, authorized: socket.authorized, der: peer.raw });
      socket.destroy();
    });
    socket.once('error', reject);
  });
}

async function browserPair(ca: Awaited<ReturnType<typeof createCertificateAuthority>>) {
  const leaf = await issueServerCertificate({ ca, dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], nowMs: Date.now() });
  // The chain as operators keep it: leaf first, then its issuer.
  return { cert: `${leaf.certificatePem.trim()}\n${ca.certificatePem.trim()}\n`, key: leaf.privateKeyPem, leaf: leaf.certificatePem };
}

const fingerprintOf = (pem: string) => new X509Certificate(pem).fingerprint256;

test('--tls-cert: api and s3 serve it, device and MQTT keep Ferry\'s CA, SIGHUP renews (a broken file kept out), and a kit downloads through s3', { timeout: 180_000 }, async (t) => {
  const work = tempDir();
  const browserCa = await createCertificateAuthority({ commonName: 'Browser Test CA', nowMs: Date.now() });
  const first = await browserPair(browserCa);
  const certFile = join(work, 'fullchain.pem');
  const keyFile = join(work, 'privkey.pem');
  writeFileSync(certFile, first.cert);
  writeFileSync(keyFile, first.key, { mode: 0o600 });

  const dataDir = join(work, 'data');
  const { ts, child, kill9 } = await startChildServer(dataDir, { args: ['--tls-cert', certFile, '--tls-key', keyFile] });
  t.after(() => kill9());
  const lines: string[] = [];
  const waiters: Array<() => void> = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    waiters.splice(0).forEach((w) => w());
  });
  /** Resolves once the server has logged a line containing `text` (after `from` lines). */
  const logged = async (text: string, from: number) => {
    while (!lines.slice(from).some((l) => l.includes(text))) await new Promise<void>((r) => waiters.push(r));
  };

  const ferryCa = readFileSync(join(dataDir, 'pki', 'ca.pem'), 'utf8');
  const e = ts.endpoints.endpoints;

  // A client trusting only the browser CA reaches api and s3, and sees the operator's leaf.
  for (const url of [e.iot, e.s3]) {
    const peer = await handshake(url, browserCa.certificatePem);
    assert.equal(peer.authorized, true, `${url} is trusted by the browser CA alone`);
    assert.equal(peer.fingerprint, fingerprintOf(first.leaf));
  }
  const page = await fetchWithCa(`${e.console}`, browserCa.certificatePem);
  assert.equal(page.status, 200, 'the console loads over the browser certificate');
  // The device and MQTT listeners still present Ferry's certificate, which the browser CA does not vouch for.
  for (const url of [e.iotJobsData, e.mqtt.replace('mqtts:', 'https:')]) {
    const refused = await handshake(url, browserCa.certificatePem);
    assert.equal(refused.authorized, false, `${url} is not the browser certificate`);
    const peer = await handshake(url, ferryCa);
    assert.equal(peer.authorized, true, `${url} is trusted by Ferry's CA`);
    assert.ok(new X509Certificate(peer.der).checkIssued(new X509Certificate(ferryCa)));
  }
  // endpoints.json's caFile (the CLI's and the AWS profile's trust) holds both.
  assert.equal(ts.endpoints.caFile, join(dataDir, 'pki', 'ca-bundle.pem'));
  assert.match(readFileSync(ts.endpoints.configFile, 'utf8'), /ca_bundle = .*ca-bundle\.pem/);

  // Renewal: new files, SIGHUP, and a new connection sees the new certificate.
  const second = await browserPair(browserCa);
  writeFileSync(certFile, second.cert);
  writeFileSync(keyFile, second.key);
  let mark = lines.length;
  child.kill('SIGHUP');
  await logged('serve the new certificate', mark);
  for (const url of [e.iot, e.s3]) assert.equal((await handshake(url, browserCa.certificatePem)).fingerprint, fingerprintOf(second.leaf));
  assert.equal((await handshake(e.iotJobsData, ferryCa)).authorized, true, 'the device listener is untouched');

  // A broken file on SIGHUP: the served certificate stays, and the log says why.
  writeFileSync(certFile, 'not a certificate\n');
  mark = lines.length;
  child.kill('SIGHUP');
  await logged('keeping the served api/s3 certificate', mark);
  for (const url of [e.iot, e.s3]) assert.equal((await handshake(url, browserCa.certificatePem)).fingerprint, fingerprintOf(second.leaf));
  // A key that is not the certificate's is refused the same way.
  writeFileSync(certFile, first.cert);
  mark = lines.length;
  child.kill('SIGHUP');
  await logged('keeping the served api/s3 certificate', mark);
  assert.equal((await handshake(e.s3, browserCa.certificatePem)).fingerprint, fingerprintOf(second.leaf));

  // The kit carries Ferry's CA and the chain; the agent's download path fetches a presigned object through s3.
  const d = ['--data-dir', dataDir];
  assert.equal((await cli(['policy', 'create', 'miso-device', '--device', '--client-prefix', 'miso', ...d])).code, 0);
  const created = await cli(['thing', 'create', 'miso_tls', '--policy', 'miso-device', '--kit', join(work, 'kit'), ...d]);
  assert.equal(created.code, 0, created.stderr);
  const kit = readKit(join(work, 'kit'));
  assert.ok(kit.caPem.includes(ferryCa.trim()), 'the kit pins Ferry\'s CA');
  assert.ok(kit.caPem.includes(browserCa.certificatePem.trim()), 'and carries the chain');
  const s3 = ts.s3();
  await s3.send(new CreateBucketCommand({ Bucket: 'miso-firmware' }));
  await s3.send(new PutObjectCommand({ Bucket: 'miso-firmware', Key: 'fw.bin', Body: 'firmware bytes' }));
  const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'miso-firmware', Key: 'fw.bin' }), { expiresIn: 600 });
  const deviceDir = join(work, 'device');
  const { tools, close } = createTools(agentOptionsFromKit(kit, { dir: deviceDir }), deviceDir, createLogger({ level: 'silent' }));
  t.after(close);
  await tools.download.download({ url, destination: join(deviceDir, 'fw.bin') });
  assert.equal(readFileSync(join(deviceDir, 'fw.bin'), 'utf8'), 'firmware bytes');
  // Ferry's CA alone no longer vouches for the s3 listener: the chain is what made the download work.
  assert.equal((await handshake(e.s3, ferryCa)).authorized, false);
});

test('the configuration file sets them as tls.certFile and tls.keyFile', () => {
  const options = optionsFromConfig(validateConfig({ tls: { certFile: '/etc/ferry/fullchain.pem', keyFile: '/etc/ferry/privkey.pem' } }, 'ferry.toml'));
  assert.deepEqual([options.tlsCertFile, options.tlsKeyFile], ['/etc/ferry/fullchain.pem', '/etc/ferry/privkey.pem']);
});

test('--tls-cert without --tls-key is refused at start', { timeout: 60_000 }, async () => {
  const work = tempDir();
  const certFile = join(work, 'fullchain.pem');
  writeFileSync(certFile, 'x');
  await assert.rejects(startChildServer(join(work, 'data'), { args: ['--tls-cert', certFile] }), /--tls-cert and --tls-key/);
});

async function fetchWithCa(url: string, ca: string): Promise<{ status: number }> {
  const https = await import('node:https');
  return new Promise((resolve, reject) => {
    https.get(url, { ca, servername: 'localhost' }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0 });
    }).once('error', reject);
  });
}
