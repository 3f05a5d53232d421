import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The connection kit `ferry thing create --kit DIR` writes: what a device
 * needs to run `ferry agent --kit DIR`.
 *
 * NOTE: the agent (src/agent/kit.ts, issue 8) owns the format. Until it lands
 * this mirrors its expected shape: PEM files beside a `kit.json` naming them,
 * the endpoints, the thing and the role alias.
 */
export interface KitConfig {
  thingName: string;
  clientId: string;
  region: string;
  endpoints: { mqtt?: string | undefined; credentialProvider?: string | undefined; iotJobsData?: string | undefined; s3?: string | undefined };
  roleAlias?: string | undefined;
  certificateId: string;
  files: { certificate: string; privateKey: string; publicKey: string; rootCa: string };
}

export interface KitMaterial {
  thingName: string;
  region: string;
  endpoints: KitConfig['endpoints'];
  roleAlias?: string | undefined;
  certificateId: string;
  certificatePem: string;
  privateKeyPem: string;
  publicKeyPem: string;
  rootCaPem: string;
}

export const KIT_FILES = {
  config: 'kit.json',
  certificate: 'certificate.pem.crt',
  privateKey: 'private.pem.key',
  publicKey: 'public.pem.key',
  rootCa: 'root-ca.pem',
  start: 'start.sh',
} as const;

const START_SCRIPT = `#!/bin/sh
# Runs the Ferry device agent with this connection kit.
# FERRY names the ferry command when it is not on PATH (e.g. FERRY="npx ferry");
# FERRY_AGENT_DIR is the only folder the agent may write to (default: ./files here).
KIT="$(cd "$(dirname "$0")" && pwd)"
exec \${FERRY:-ferry} agent --kit "$KIT" --dir "\${FERRY_AGENT_DIR:-$KIT/files}" "$@"
`;

/** Writes the kit into `dir` (made if needed); the private key is mode 0600. Returns the file paths. */
export function writeKit(dir: string, m: KitMaterial): { dir: string; files: Record<keyof typeof KIT_FILES, string> } {
  const root = resolve(dir);
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const path = (name: string) => join(root, name);
  const config: KitConfig = {
    thingName: m.thingName,
    clientId: m.thingName,
    region: m.region,
    endpoints: m.endpoints,
    ...(m.roleAlias ? { roleAlias: m.roleAlias } : {}),
    certificateId: m.certificateId,
    files: { certificate: KIT_FILES.certificate, privateKey: KIT_FILES.privateKey, publicKey: KIT_FILES.publicKey, rootCa: KIT_FILES.rootCa },
  };
  writeFileSync(path(KIT_FILES.certificate), m.certificatePem);
  writeFileSync(path(KIT_FILES.privateKey), m.privateKeyPem, { mode: 0o600 });
  chmodSync(path(KIT_FILES.privateKey), 0o600);
  writeFileSync(path(KIT_FILES.publicKey), m.publicKeyPem);
  writeFileSync(path(KIT_FILES.rootCa), m.rootCaPem);
  writeFileSync(path(KIT_FILES.config), `${JSON.stringify(config, null, 2)}\n`);
  writeFileSync(path(KIT_FILES.start), START_SCRIPT, { mode: 0o755 });
  chmodSync(path(KIT_FILES.start), 0o755);
  const files = Object.fromEntries(Object.entries(KIT_FILES).map(([k, v]) => [k, path(v)])) as Record<keyof typeof KIT_FILES, string>;
  return { dir: root, files };
}
