import { mkdirSync } from 'node:fs';
import { writeFileAtomic } from '../fs/write-atomic.js';
import type { DataDirPaths } from './data-dir.js';

export const AWS_PROFILE = 'ferry';

export interface AdvertisedEndpoints {
  iot: string;
  iam: string;
  iotJobsData: string;
  credentialProvider: string;
  s3: string;
  mqtt: string;
  /** MQTT over WebSocket (SigV4 presigned URL, or a client certificate) on the device listener. */
  mqttWebSocket: string;
  /** The web console, on the api listener. */
  console: string;
}

/** endpoints.json, as DESIGN.md's server contract spells it. */
export interface EndpointsFile {
  region: string;
  accountId: string;
  caFile: string;
  credentialsFile: string;
  configFile: string;
  profile: string;
  endpoints: AdvertisedEndpoints;
}

export function endpointsFor(host: string, ports: { api: number; device: number; s3: number; mqtt: number }): AdvertisedEndpoints {
  return {
    iot: `https://${host}:${ports.api}`,
    iam: `https://${host}:${ports.api}`,
    iotJobsData: `https://${host}:${ports.device}`,
    credentialProvider: `https://${host}:${ports.device}`,
    s3: `https://${host}:${ports.s3}`,
    mqtt: `mqtts://${host}:${ports.mqtt}`,
    mqttWebSocket: `wss://${host}:${ports.device}/mqtt`,
    console: `https://${host}:${ports.api}/console/`,
  };
}

/**
 * An AWS shared-config file: the profile's region and CA bundle, and a
 * `services` section naming each endpoint (service ids lower-cased, spaces as
 * underscores, as the SDKs' service-specific endpoint settings expect).
 */
function sharedConfig(region: string, caFile: string, e: AdvertisedEndpoints): string {
  return profileConfig(AWS_PROFILE, region, caFile, e);
}

/** The shared-config sections of profile `profile` (the CLI writes one for a new user's key). */
export function profileConfig(profile: string, region: string, caFile: string | undefined, e: Pick<AdvertisedEndpoints, 'iot' | 'iam' | 's3'> & Partial<AdvertisedEndpoints>): string {
  const service = (id: string, url: string | undefined) => (url ? `${id} =\n  endpoint_url = ${url}\n` : '');
  const AWS_PROFILE = profile;
  return [
    `[profile ${AWS_PROFILE}]`,
    `region = ${region}`,
    ...(caFile ? [`ca_bundle = ${caFile}`] : []),
    `services = ${AWS_PROFILE}-services`,
    // No AWS SDK reads it (MQTT is not an SDK service); there for scripts and device SDKs' users, and ignored by the SDKs.
    `ferry_mqtt_websocket = ${e.mqttWebSocket}`,
    's3 =',
    '  addressing_style = path',
    // botocore still presigns S3 with SigV2 by default (`aws s3 presign`, generate_presigned_url): sign with SigV4.
    '  signature_version = s3v4',
    '',
    `[services ${AWS_PROFILE}-services]`,
    service('iot', e.iot) + service('iam', e.iam) + service('sts', e.iam) + service('iot_jobs_data_plane', e.iotJobsData) + service('s3', e.s3),
  ].join('\n');
}

/** Writes endpoints.json and the AWS credentials and config files, each atomically. */
export function writeContractFiles(
  paths: DataDirPaths,
  info: { region: string; accountId: string; endpoints: AdvertisedEndpoints; accessKeyId: string; secretAccessKey: string },
  /** The CA file clients trust: DIR/pki/ca.pem, or the bundle with the --tls-cert chain (browser-certificate.ts). */
  caFile: string = paths.caCert,
): EndpointsFile {
  mkdirSync(paths.awsDir, { recursive: true, mode: 0o700 });
  writeFileAtomic(
    paths.credentials,
    `[${AWS_PROFILE}]\naws_access_key_id = ${info.accessKeyId}\naws_secret_access_key = ${info.secretAccessKey}\n`,
    0o600,
  );
  writeFileAtomic(paths.config, sharedConfig(info.region, caFile, info.endpoints));
  const file: EndpointsFile = {
    region: info.region,
    accountId: info.accountId,
    caFile,
    credentialsFile: paths.credentials,
    configFile: paths.config,
    profile: AWS_PROFILE,
    endpoints: info.endpoints,
  };
  writeFileAtomic(paths.endpoints, `${JSON.stringify(file, null, 2)}\n`);
  return file;
}
