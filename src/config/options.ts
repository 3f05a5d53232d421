import type { ServerOptions } from '../server/config.js';
import { SCHEMA, settings } from './schema.js';
import type { ConfigValues } from './validate.js';
import { DEFAULT_MQTT_LIMITS, type MqttLimits } from '../mqtt/limits.js';

type Value = string | number | boolean | string[];
type Apply = (options: Partial<ServerOptions>, value: Value) => void;

const seconds = (n: Value) => Number(n) * 1000;
const port = (key: 'api' | 'device' | 's3' | 'mqtt'): Apply => (o, v) => {
  o.advertisedPorts = { ...(o.advertisedPorts ?? DEFAULT_ADVERTISED), [key]: Number(v) };
};
const cluster = (key: keyof ServerOptions['cluster'], scale: (v: Value) => number): Apply => (o, v) => {
  o.cluster = { ...(o.cluster ?? defaultCluster()), [key]: scale(v) };
};

const mqtt = (key: keyof MqttLimits): Apply => (o, v) => {
  o.mqtt = { ...(o.mqtt ?? DEFAULT_MQTT_LIMITS), [key]: Number(v) };
};

const DEFAULT_ADVERTISED = { api: 0, device: 0, s3: 0, mqtt: 0 };

/** Where each setting lands in the server's options. */
const APPLY: Record<string, Apply> = {
  dataDir: (o, v) => (o.dataDir = String(v)),
  region: (o, v) => (o.region = String(v)),
  'listen.host': (o, v) => (o.host = String(v)),
  'listen.apiPort': (o, v) => (o.apiPort = Number(v)),
  'listen.devicePort': (o, v) => (o.devicePort = Number(v)),
  'listen.s3Port': (o, v) => (o.s3Port = Number(v)),
  'listen.mqttPort': (o, v) => (o.mqttPort = Number(v)),
  'advertise.publicHosts': (o, v) => (o.publicHosts = [...(v as string[])]),
  'advertise.apiPort': port('api'),
  'advertise.devicePort': port('device'),
  'advertise.s3Port': port('s3'),
  'advertise.mqttPort': port('mqtt'),
  'database.url': (o, v) => (o.databaseUrl = String(v)),
  'cluster.redisUrl': (o, v) => (o.redisUrl = String(v)),
  'cluster.nodeName': (o, v) => (o.nodeName = String(v)),
  'cluster.blobDir': (o, v) => (o.blobDir = String(v)),
  'cluster.kekFile': (o, v) => (o.kekFile = String(v)),
  'cluster.heartbeatSeconds': cluster('heartbeatMs', seconds),
  'cluster.nodeTimeoutSeconds': cluster('nodeTimeoutMs', seconds),
  'cluster.changeWaitSeconds': cluster('changeWaitMs', seconds),
  'cluster.leaseSeconds': cluster('leaseMs', seconds),
  'network.trustedProxies': (o, v) => (o.trustedProxies = [...(v as string[])]),
  'tls.ticketKeyRotationHours': (o, v) => (o.ticketKeyRotationMs = Number(v) * 3600_000),
  'tls.certFile': (o, v) => (o.tlsCertFile = String(v)),
  'tls.keyFile': (o, v) => (o.tlsKeyFile = String(v)),
  'metrics.address': (o, v) => (o.metricsAddress = String(v)),
  's3.sigv2': (o, v) => (o.sigv2 = v === true),
  's3.abandonedUploadDays': (o, v) => (o.abandonedUploadMs = Number(v) * 24 * 3600_000),
  'mqtt.maxPayloadBytes': mqtt('maxPayloadBytes'),
  'mqtt.maxTopicBytes': mqtt('maxTopicBytes'),
  'mqtt.keepAliveMaxSeconds': mqtt('keepAliveCeilingSeconds'),
  'mqtt.connectsPerSecondPerClientId': mqtt('connectsPerSecondPerClientId'),
  'mqtt.publishesPerSecond': mqtt('publishesPerSecond'),
  'mqtt.inboundBytesPerSecond': mqtt('inboundBytesPerSecond'),
  'mqtt.subscriptionsPerConnection': mqtt('subscriptionsPerConnection'),
  'mqtt.filtersPerSubscribe': mqtt('filtersPerSubscribe'),
  'mqtt.sessionExpirySeconds': mqtt('sessionExpirySeconds'),
  'audit.retentionDays': (o, v) => (o.auditRetentionMs = Number(v) * 24 * 3600_000),
  'audit.file': (o, v) => (o.auditFile = String(v)),
  'history.retentionDays': (o, v) => (o.historyRetentionMs = Number(v) * 24 * 3600_000),
  'jobs.schedulerIntervalMs': (o, v) => (o.jobsTickMs = Number(v)),
  'jobs.maxConcurrentJobs': (o, v) => (o.maxConcurrentJobs = Number(v)),
};

// Every setting of the schema is mapped (checked once, at load).
for (const { path } of settings()) if (!APPLY[path]) throw new Error(`config: setting ${path} is not mapped to a server option`);

/** The server options a configuration file sets (the rest come from flags, then defaults). */
export function optionsFromConfig(values: ConfigValues): Partial<ServerOptions> {
  const options: Partial<ServerOptions> = {};
  for (const [path, value] of values) APPLY[path]!(options, value);
  return options;
}

/** The options every setting's default gives. */
export function defaultOptions(): ServerOptions {
  const options: Partial<ServerOptions> = { publicHosts: [], trustedProxies: [] };
  for (const { path, setting } of settings()) if (setting.default !== undefined) APPLY[path]!(options, setting.default);
  return options as ServerOptions;
}

function defaultCluster(): ServerOptions['cluster'] {
  const c = SCHEMA.cluster;
  return {
    heartbeatMs: seconds(c.heartbeatSeconds.default!),
    nodeTimeoutMs: seconds(c.nodeTimeoutSeconds.default!),
    changeWaitMs: seconds(c.changeWaitSeconds.default!),
    leaseMs: seconds(c.leaseSeconds.default!),
  };
}
