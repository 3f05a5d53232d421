import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../fs/write-atomic.js';
import { UsageError } from './io.js';
import { KIT_CONFIG_FILE, KIT_DEFAULT_FILES, KIT_VERSION, writeKit as writeAgentKit, type KitConfig } from '../agent/kit.js';

/**
 * The connection kit `ferry thing create --kit DIR` writes: the agent's own
 * kit format (src/agent/kit.ts: kit.json, certificate, private key 0600,
 * root CA, public key), the agent itself as one bundled file, and start.sh,
 * which runs it with node. Nothing in it names a path of the machine that
 * wrote it: a device needs Node.js and the folder.
 */
export interface KitMaterial {
  thingName: string;
  /** Names a rotated kit's new certificate and key files. */
  certificateId: string;
  region: string;
  endpoints: { mqtt: string; credentialProvider?: string | undefined; iotJobsData?: string | undefined; s3?: string | undefined };
  roleAlias?: string | undefined;
  certificatePem: string;
  privateKeyPem: string;
  publicKeyPem: string;
  rootCaPem: string;
}

export const START_SCRIPT = 'start.sh';
export const AGENT_FILE = 'ferry-agent.mjs';

/**
 * The bundle `npm run build` makes (scripts/bundle-agent.mjs). This module is
 * src/cli/kit.ts or dist/cli/kit.js: either way two folders below the package.
 */
export const AGENT_BUNDLE = fileURLToPath(new URL(`../../dist/${AGENT_FILE}`, import.meta.url));

const START_SCRIPT_TEXT = `#!/bin/sh
# Runs the Ferry device agent with this connection kit: needs only Node.js 20.19 or later.
# NODE names the node command when it is not on PATH;
# FERRY_AGENT_DIR is the only folder the agent may write to (default: ./files here).
KIT="$(cd "$(dirname "$0")" && pwd)"
exec "\${NODE:-node}" "$KIT/${AGENT_FILE}" --kit "$KIT" --dir "\${FERRY_AGENT_DIR:-$KIT/files}" "$@"
`;

/** The agent bundle's bytes, or a usage error saying how to build it. */
export function agentBundle(): Buffer {
  try {
    return readFileSync(AGENT_BUNDLE);
  } catch {
    throw new UsageError(`the device agent bundle ${AGENT_BUNDLE} is missing: build it with \`npm run build\``);
  }
}

const defined = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/**
 * Writes the kit into `dir` (made if needed), atomically (src/agent/kit.ts):
 * over a kit already there (a rotation) the new certificate and key get new
 * file names, so an agent watching the folder never reads a mixed pair.
 * Returns the folder and its files.
 */
function kitConfigOf(m: KitMaterial, fileNames: Pick<KitConfig, 'certificateFile' | 'privateKeyFile' | 'rootCaFile'>): KitConfig {
  return {
    kitVersion: KIT_VERSION,
    thingName: m.thingName,
    clientId: m.thingName,
    region: m.region,
    ...(m.roleAlias ? { roleAlias: m.roleAlias } : {}),
    endpoints: defined({ mqtt: m.endpoints.mqtt, credentialProvider: m.endpoints.credentialProvider, s3: m.endpoints.s3, iotJobsData: m.endpoints.iotJobsData }),
    ...fileNames,
  };
}

/** One file of a kit, as a download (the console's zip) carries it. */
export interface KitFile {
  name: string;
  data: string | Buffer;
  mode: number;
}

/**
 * A fresh kit's files, the same as writeKit puts in an empty folder: for a kit that
 * travels as one archive. The private key is 0600 and start.sh 0755, as on disk.
 */
export function kitFiles(m: KitMaterial): KitFile[] {
  const config = kitConfigOf(m, KIT_DEFAULT_FILES);
  return [
    { name: KIT_CONFIG_FILE, data: `${JSON.stringify(config, null, 2)}\n`, mode: 0o644 },
    { name: KIT_DEFAULT_FILES.certificateFile, data: m.certificatePem, mode: 0o644 },
    { name: KIT_DEFAULT_FILES.privateKeyFile, data: m.privateKeyPem, mode: 0o600 },
    { name: KIT_DEFAULT_FILES.rootCaFile, data: m.rootCaPem, mode: 0o644 },
    { name: 'public.pem.key', data: m.publicKeyPem, mode: 0o644 },
    { name: AGENT_FILE, data: agentBundle(), mode: 0o644 },
    { name: START_SCRIPT, data: START_SCRIPT_TEXT, mode: 0o755 },
  ];
}

export function writeKit(dir: string, m: KitMaterial): { dir: string; files: Record<string, string> } {
  const root = resolve(dir);
  const agent = agentBundle();
  const tag = m.certificateId.slice(0, 12);
  const fileNames = existsSync(join(root, KIT_CONFIG_FILE))
    ? { ...KIT_DEFAULT_FILES, certificateFile: `certificate-${tag}.pem.crt`, privateKeyFile: `private-${tag}.pem.key` }
    : KIT_DEFAULT_FILES;
  const config = kitConfigOf(m, fileNames);
  writeAgentKit(root, { config, certPem: m.certificatePem, keyPem: m.privateKeyPem, caPem: m.rootCaPem, publicKeyPem: m.publicKeyPem });
  const agentFile = join(root, AGENT_FILE);
  writeFileAtomic(agentFile, agent, 0o644);
  const start = join(root, START_SCRIPT);
  writeFileAtomic(start, START_SCRIPT_TEXT, 0o755);
  const files = {
    config: join(root, KIT_CONFIG_FILE),
    certificate: join(root, fileNames.certificateFile),
    privateKey: join(root, fileNames.privateKeyFile),
    rootCa: join(root, fileNames.rootCaFile),
    publicKey: join(root, 'public.pem.key'),
    agent: agentFile,
    start,
  };
  return { dir: root, files };
}
