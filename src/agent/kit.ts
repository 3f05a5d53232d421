/**
 * A connection kit: one folder with everything a device needs to connect.
 *
 * ```
 * kit/
 *   kit.json              the configuration below
 *   certificate.pem.crt   the device certificate (PEM)
 *   private.pem.key       its private key (PEM, mode 0600)
 *   root-CA.crt           the CA the endpoints' certificates chain to (PEM)
 *   public.pem.key        optional, not read by the agent
 * ```
 *
 * kit.json (`kitVersion` 1):
 * ```json
 * { "kitVersion": 1,
 *   "thingName": "miso_things_1",
 *   "clientId": "miso_things_1",
 *   "region": "us-east-1",
 *   "roleAlias": "miso-role-alias",
 *   "endpoints": { "mqtt": "mqtts://ferry.example:8883",
 *                  "credentialProvider": "https://ferry.example:8443",
 *                  "s3": "https://ferry.example:9000" },
 *   "certificateFile": "certificate.pem.crt",
 *   "privateKeyFile": "private.pem.key",
 *   "rootCaFile": "root-CA.crt" }
 * ```
 * Required: `kitVersion`, `thingName`, `endpoints.mqtt`. `clientId` defaults
 * to the thing name (AWS binds `iot:Connection.Thing.ThingName` through it).
 * `endpoints` uses endpoints.json's names; `credentialProvider` and
 * `roleAlias` are needed for uploads, `s3` for uploads to Ferry (omitted:
 * AWS's regional S3). File names are relative to the kit folder and default
 * to the ones above. Unknown keys are ignored, so later versions may add some.
 *
 * Optional, for a device that reaches its jobs over HTTPS: `"transport":
 * "https"` (no MQTT: `endpoints.iotJobsData` is required instead of
 * `endpoints.mqtt`) or `"auto"` (both required), and `"pollIntervalSec"`
 * (default 60, at least 5).
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, isAbsolute, join } from 'node:path';
import { parseJson } from '../json-syntax.js';
import { writeFileAtomic } from '../fs/write-atomic.js';

export const KIT_CONFIG_FILE = 'kit.json';
export const KIT_VERSION = 1;

export interface KitConfig {
  kitVersion: 1;
  thingName: string;
  clientId?: string;
  region?: string;
  roleAlias?: string;
  /** How the agent reaches its jobs (default mqtt). */
  transport?: 'mqtt' | 'https' | 'auto';
  /** Seconds between polls over HTTPS (default 60, at least 5). */
  pollIntervalSec?: number;
  endpoints: {
    /** `mqtts://host:port` (a bare `host[:port]` is accepted; the port defaults to 8883). Not needed with transport https. */
    mqtt?: string;
    credentialProvider?: string;
    s3?: string;
    iotJobsData?: string;
  };
  certificateFile?: string;
  privateKeyFile?: string;
  rootCaFile?: string;
}

export interface Kit {
  dir: string;
  config: KitConfig;
  certPem: string;
  keyPem: string;
  caPem: string;
}

export const KIT_DEFAULT_FILES = { certificateFile: 'certificate.pem.crt', privateKeyFile: 'private.pem.key', rootCaFile: 'root-CA.crt' } as const;

// aws-wire-protocols.md §1.1: thing names are [a-zA-Z0-9:_-]{1,128}.
const THING_NAME = /^[a-zA-Z0-9:_-]{1,128}$/;

/** Reads and checks a kit folder; throws an Error saying what is wrong. */
export function readKit(dir: string): Kit {
  const configPath = join(dir, KIT_CONFIG_FILE);
  let raw: unknown;
  try {
    raw = parseJson(readFileSync(configPath, 'utf8'));
  } catch (e) {
    throw new Error(`cannot read the kit's ${configPath}: ${(e as Error).message}`);
  }
  const config = checkKitConfig(raw, configPath);
  const file = (name: string) => {
    const path = isAbsolute(name) ? name : join(dir, name);
    try {
      return readFileSync(path, 'utf8');
    } catch (e) {
      throw new Error(`cannot read the kit file ${path}: ${(e as Error).message}`);
    }
  };
  return {
    dir,
    config,
    certPem: file(config.certificateFile ?? KIT_DEFAULT_FILES.certificateFile),
    keyPem: file(config.privateKeyFile ?? KIT_DEFAULT_FILES.privateKeyFile),
    caPem: file(config.rootCaFile ?? KIT_DEFAULT_FILES.rootCaFile),
  };
}

export function checkKitConfig(raw: unknown, where = KIT_CONFIG_FILE): KitConfig {
  const bad = (why: string) => new Error(`${where}: ${why}`);
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw bad('must be a JSON object');
  const c = raw as Record<string, unknown>;
  if (c.kitVersion !== KIT_VERSION) throw bad(`kitVersion must be ${KIT_VERSION}`);
  if (typeof c.thingName !== 'string' || !THING_NAME.test(c.thingName)) throw bad('thingName must be a thing name ([a-zA-Z0-9:_-], 1–128)');
  if (c.transport !== undefined && c.transport !== 'mqtt' && c.transport !== 'https' && c.transport !== 'auto') throw bad('transport must be mqtt, https or auto');
  if (c.pollIntervalSec !== undefined && (typeof c.pollIntervalSec !== 'number' || !Number.isFinite(c.pollIntervalSec) || c.pollIntervalSec < 5)) {
    throw bad('pollIntervalSec must be a number of seconds, at least 5');
  }
  const endpoints = c.endpoints as Record<string, unknown> | undefined;
  if (!endpoints || typeof endpoints !== 'object') throw bad('endpoints is required');
  const present = (key: string) => typeof endpoints[key] === 'string' && endpoints[key] !== '';
  if (c.transport !== 'https' && !present('mqtt')) throw bad('endpoints.mqtt is required');
  if ((c.transport === 'https' || c.transport === 'auto') && !present('iotJobsData')) throw bad(`endpoints.iotJobsData is required with transport ${c.transport}`);
  for (const key of ['clientId', 'region', 'roleAlias', 'certificateFile', 'privateKeyFile', 'rootCaFile'] as const) {
    if (c[key] !== undefined && (typeof c[key] !== 'string' || c[key] === '')) throw bad(`${key} must be a non-empty string`);
  }
  for (const key of ['credentialProvider', 's3', 'iotJobsData'] as const) {
    if (endpoints[key] !== undefined && typeof endpoints[key] !== 'string') throw bad(`endpoints.${key} must be a URL`);
  }
  return c as unknown as KitConfig;
}

/**
 * Writes a kit folder (the key mode 0600) so that a reader — an agent
 * watching it — sees the old kit or the new one at every moment, never a mix:
 * each file is written atomically, kit.json last. Give a new certificate and
 * key new file names (a rotation does): until kit.json names them, it names
 * the old pair, still in place. Files the old kit.json named and the new one
 * does not are removed afterwards.
 */
export function writeKit(dir: string, kit: { config: KitConfig; certPem: string; keyPem: string; caPem: string; publicKeyPem?: string }): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const previous = kitFileNames(dir);
  const names = kitFileNamesOf(kit.config);
  writeFileAtomic(join(dir, names.certificateFile), kit.certPem);
  writeFileAtomic(join(dir, names.privateKeyFile), kit.keyPem, 0o600);
  writeFileAtomic(join(dir, names.rootCaFile), kit.caPem);
  if (kit.publicKeyPem) writeFileAtomic(join(dir, 'public.pem.key'), kit.publicKeyPem);
  writeFileAtomic(join(dir, KIT_CONFIG_FILE), `${JSON.stringify(kit.config, null, 2)}\n`);
  const kept = new Set(Object.values(names));
  for (const name of previous) if (!kept.has(name)) rmSync(join(dir, name), { force: true });
}

const kitFileNamesOf = (c: Pick<KitConfig, 'certificateFile' | 'privateKeyFile' | 'rootCaFile'>) => ({
  certificateFile: c.certificateFile ?? KIT_DEFAULT_FILES.certificateFile,
  privateKeyFile: c.privateKeyFile ?? KIT_DEFAULT_FILES.privateKeyFile,
  rootCaFile: c.rootCaFile ?? KIT_DEFAULT_FILES.rootCaFile,
});

/** The files the kit.json in `dir` names inside the folder (none when there is no readable kit). */
function kitFileNames(dir: string): string[] {
  try {
    const c = JSON.parse(readFileSync(join(dir, KIT_CONFIG_FILE), 'utf8')) as KitConfig;
    // Only plain names: a kit naming a file elsewhere never gets it removed.
    return Object.values(kitFileNamesOf(c)).filter((n) => typeof n === 'string' && basename(n) === n);
  } catch {
    return [];
  }
}

/** `mqtts://host:port` from an endpoint as given: a URL, or `host[:port]` (port 8883). */
export function mqttUrlOf(endpoint: string): string {
  if (/^mqtts?:\/\//i.test(endpoint)) return endpoint;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint)) throw new Error(`the MQTT endpoint must be mqtts://host:port, not ${endpoint}`);
  return /:\d+$/.test(endpoint) && !endpoint.endsWith(']') ? `mqtts://${endpoint}` : `mqtts://${endpoint}:8883`;
}
