/**
 * PostgreSQL deployments keep the CA and the server certificate in the
 * database, so every node sharing it is the same Ferry to a device: one CA
 * (kits made through any node work through every node), one server
 * certificate. The private keys are sealed under the key-encryption key
 * (src/pki/kek.ts), which stays in a file; the database keeps its fingerprint.
 * Runs while the node holds the database's initialisation lock (see
 * store/db.ts), so nodes starting together on a fresh database agree.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Kysely } from 'kysely';
import { createCertificateAuthority, issueServerCertificate, parseCertificate } from '../pki/index.js';
import { createKek, readKek, seal, unseal, type Kek } from '../pki/kek.js';
import type { Database } from '../store/schema.js';
import type { DataDirPaths, PkiMaterial } from './data-dir.js';
import { certificateCovers } from './data-dir.js';

const KEY = {
  fingerprint: 'pki.kek-fingerprint',
  caCert: 'pki.ca-cert',
  caKey: 'pki.ca-key',
  serverCert: 'pki.server-cert',
  serverKey: 'pki.server-key',
} as const;

/** The node cannot use this database's identity: the message says which file and why. */
export class KekMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KekMismatchError';
  }
}

export interface SharedPkiOptions {
  kekFile: string;
  names: { dnsNames: string[]; ipAddresses: string[] };
  nowMs: number;
  /** A data dir's own CA from before the identity moved into the database: adopted so its kits keep working. */
  legacy: DataDirPaths;
}

/** `reissued`: this start replaced the server certificate the other nodes serve (they must reload). */
export async function loadOrCreateSharedPki(db: Kysely<Database>, options: SharedPkiOptions): Promise<PkiMaterial & { kekFingerprint: string; kek: Kek; reissued: boolean }> {
  const stored = await readSettings(db);
  const kek = stored.get(KEY.fingerprint) ? matchingKek(options.kekFile, stored.get(KEY.fingerprint)!) : (readKek(options.kekFile) ?? createKek(options.kekFile));
  let caCertPem = stored.get(KEY.caCert);
  let caKeyPem = stored.get(KEY.caKey) && unseal(kek, stored.get(KEY.caKey)!);
  if (!caCertPem || !caKeyPem) {
    const ca = legacyCa(options.legacy) ?? (await createCertificateAuthority({ commonName: 'Ferry Root CA', organization: 'Ferry', nowMs: options.nowMs }));
    caCertPem = ca.certificatePem;
    caKeyPem = ca.privateKeyPem;
    await writeSettings(db, { [KEY.fingerprint]: kek.fingerprint, [KEY.caCert]: caCertPem, [KEY.caKey]: seal(kek, caKeyPem) });
  }
  let serverCertPem = stored.get(KEY.serverCert);
  let serverKeyPem = stored.get(KEY.serverKey) && unseal(kek, stored.get(KEY.serverKey)!);
  let reissued = false;
  if (!serverCertPem || !serverKeyPem || !certificateCovers(serverCertPem, options.names, options.nowMs)) {
    ({ serverCertPem, serverKeyPem } = await issueSharedServerCertificate(db, kek, { certificatePem: caCertPem, privateKeyPem: caKeyPem }, options.names, options.nowMs, serverCertPem));
    // Only a replacement is news to the other nodes: the first certificate has no one to tell.
    reissued = stored.get(KEY.serverCert) !== undefined;
  }
  return { caCertPem, caKeyPem, serverCertPem, serverKeyPem, kekFingerprint: kek.fingerprint, kek, reissued };
}

/** The server certificate and key every node serves, as the database holds them now. */
export async function readSharedServerCertificate(db: Kysely<Database>, kek: Kek): Promise<{ serverCertPem: string; serverKeyPem: string } | undefined> {
  const stored = await readSettings(db);
  const cert = stored.get(KEY.serverCert);
  const key = stored.get(KEY.serverKey);
  return cert && key ? { serverCertPem: cert, serverKeyPem: unseal(kek, key) } : undefined;
}

/**
 * Issues the server certificate every node serves and stores it (its key
 * sealed). The certificate is shared, so it keeps the names `previousPem` had
 * and gains `names`.
 */
export async function issueSharedServerCertificate(
  db: Kysely<Database>,
  kek: Kek,
  ca: { certificatePem: string; privateKeyPem: string },
  names: { dnsNames: string[]; ipAddresses: string[] },
  nowMs: number,
  previousPem?: string,
): Promise<{ serverCertPem: string; serverKeyPem: string }> {
  const all = previousPem ? unionNames(previousPem, names) : names;
  const server = await issueServerCertificate({ ca, ...all, nowMs });
  await writeSettings(db, { [KEY.serverCert]: server.certificatePem, [KEY.serverKey]: seal(kek, server.privateKeyPem) });
  return { serverCertPem: server.certificatePem, serverKeyPem: server.privateKeyPem };
}

/** The KEK file must hold the key the database was sealed with. */
function matchingKek(file: string, fingerprint: string): Kek {
  const kek = readKek(file);
  const fix = 'copy the key-encryption key file of the node that initialised the database to this node (the same file on every node), or name it with --kek-file';
  if (!kek) throw new KekMismatchError(`this database's CA key is sealed under the key-encryption key ${fingerprint}, and the key-encryption key file ${file} does not exist: ${fix}`);
  if (kek.fingerprint !== fingerprint) {
    throw new KekMismatchError(`the key-encryption key file ${file} holds the key ${kek.fingerprint}, but this database's CA key is sealed under ${fingerprint}: ${fix}`);
  }
  return kek;
}

function legacyCa(paths: DataDirPaths): { certificatePem: string; privateKeyPem: string } | undefined {
  if (!existsSync(paths.caCert) || !existsSync(paths.caKey)) return undefined;
  return { certificatePem: readFileSync(paths.caCert, 'utf8'), privateKeyPem: readFileSync(paths.caKey, 'utf8') };
}

function unionNames(certPem: string, names: { dnsNames: string[]; ipAddresses: string[] }) {
  const cert = parseCertificate(certPem);
  return {
    dnsNames: [...new Set([...cert.subjectAltNames.dns, ...names.dnsNames])].sort(),
    ipAddresses: [...new Set([...cert.subjectAltNames.ip, ...names.ipAddresses])].sort(),
  };
}

async function readSettings(db: Kysely<Database>): Promise<Map<string, string>> {
  const rows = await db.selectFrom('ferry_settings').select(['name', 'value']).where('name', 'in', Object.values(KEY)).execute();
  return new Map(rows.map((r) => [r.name, r.value]));
}

async function writeSettings(db: Kysely<Database>, values: Record<string, string>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (const [name, value] of Object.entries(values)) {
      await trx.insertInto('ferry_settings').values({ name, value }).onConflict((oc) => oc.column('name').doUpdateSet({ value })).execute();
    }
  });
}
