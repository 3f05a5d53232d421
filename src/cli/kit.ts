import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../fs/write-atomic.js';
import { KIT_CONFIG_FILE, KIT_DEFAULT_FILES, KIT_VERSION, writeKit as writeAgentKit, type KitConfig } from '../agent/kit.js';

/**
 * The connection kit `ferry thing create --kit DIR` writes: the agent's own
 * kit format (src/agent/kit.ts: kit.json, certificate, private key 0600,
 * root CA, public key) plus start.sh, which runs `ferry agent` with it.
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

const START_SCRIPT_TEXT = `#!/bin/sh
# Runs the Ferry device agent with this connection kit.
# FERRY names the ferry command when it is not on PATH (e.g. FERRY="npx ferry");
# FERRY_AGENT_DIR is the only folder the agent may write to (default: ./files here).
KIT="$(cd "$(dirname "$0")" && pwd)"
exec \${FERRY:-ferry} agent --kit "$KIT" --dir "\${FERRY_AGENT_DIR:-$KIT/files}" "$@"
`;

const defined = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/**
 * Writes the kit into `dir` (made if needed), atomically (src/agent/kit.ts):
 * over a kit already there (a rotation) the new certificate and key get new
 * file names, so an agent watching the folder never reads a mixed pair.
 * Returns the folder and its files.
 */
export function writeKit(dir: string, m: KitMaterial): { dir: string; files: Record<string, string> } {
  const root = resolve(dir);
  const tag = m.certificateId.slice(0, 12);
  const fileNames = existsSync(join(root, KIT_CONFIG_FILE))
    ? { ...KIT_DEFAULT_FILES, certificateFile: `certificate-${tag}.pem.crt`, privateKeyFile: `private-${tag}.pem.key` }
    : KIT_DEFAULT_FILES;
  const config: KitConfig = {
    kitVersion: KIT_VERSION,
    thingName: m.thingName,
    clientId: m.thingName,
    region: m.region,
    ...(m.roleAlias ? { roleAlias: m.roleAlias } : {}),
    endpoints: defined({ mqtt: m.endpoints.mqtt, credentialProvider: m.endpoints.credentialProvider, s3: m.endpoints.s3, iotJobsData: m.endpoints.iotJobsData }),
    ...fileNames,
  };
  writeAgentKit(root, { config, certPem: m.certificatePem, keyPem: m.privateKeyPem, caPem: m.rootCaPem, publicKeyPem: m.publicKeyPem });
  const start = join(root, START_SCRIPT);
  writeFileAtomic(start, START_SCRIPT_TEXT, 0o755);
  const files = {
    config: join(root, KIT_CONFIG_FILE),
    certificate: join(root, fileNames.certificateFile),
    privateKey: join(root, fileNames.privateKeyFile),
    rootCa: join(root, fileNames.rootCaFile),
    publicKey: join(root, 'public.pem.key'),
    start,
  };
  return { dir: root, files };
}
