/**
 * Every setting Ferry reads from its configuration file, with its type,
 * bounds, default and one line of documentation. The validator, the docs
 * (docs/configuration.md is generated from nothing else: `ferry config
 * defaults`) and the server's options all come from this one table, so a
 * setting cannot be documented one way and read another.
 *
 * Later settings (every limit, time-out and retention period) are added here.
 */

export type SettingType =
  | { kind: 'string'; pattern?: RegExp; patternHint?: string }
  | { kind: 'integer'; min: number; max: number }
  | { kind: 'boolean' }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'string-list' };

export interface Setting {
  type: SettingType;
  /** undefined = unset (the setting is optional and its absence means something, told in `doc`). */
  default: string | number | boolean | string[] | undefined;
  doc: string;
}

const str = (doc: string, def?: string, pattern?: RegExp, patternHint?: string): Setting => ({
  type: pattern ? { kind: 'string', pattern, ...(patternHint ? { patternHint } : {}) } : { kind: 'string' },
  default: def,
  doc,
});
const int = (doc: string, def: number, min: number, max: number): Setting => ({ type: { kind: 'integer', min, max }, default: def, doc });
const list = (doc: string): Setting => ({ type: { kind: 'string-list' }, default: [], doc });

const port = (doc: string, def: number) => int(doc, def, 0, 65535);
const advertisedPort = (doc: string) => int(`${doc}; 0 = the port the node listens on`, 0, 0, 65535);

/** Sections and their keys, as they are written in the file (TOML tables or JSON objects). */
export const SCHEMA = {
  dataDir: str('the data directory: SQLite database, endpoints.json, AWS profile files, the CA certificate', './ferry-data'),
  region: str('the AWS region Ferry speaks as', 'us-east-1', /^[a-z]{2}(-[a-z]+)+-\d+$/, 'an AWS region name such as us-east-1'),
  listen: {
    host: str('the address every listener binds', '0.0.0.0'),
    apiPort: port('IoT control plane, IAM and STS (HTTPS, SigV4)', 9443),
    devicePort: port('Jobs data plane and credentials provider (HTTPS, client certificates)', 8443),
    s3Port: port('S3 (HTTPS)', 9000),
    mqttPort: port('MQTT over TLS (client certificates)', 8883),
  },
  advertise: {
    publicHosts: list('host names clients use; the first is advertised in endpoints.json, DescribeEndpoint, kits and presigned URLs (in a cluster: the balancer\'s name)'),
    apiPort: advertisedPort('the api port clients are told (a balancer\'s)'),
    devicePort: advertisedPort('the device port clients are told'),
    s3Port: advertisedPort('the s3 port clients are told (presigned URLs)'),
    mqttPort: advertisedPort('the mqtt port clients are told'),
  },
  database: {
    url: str('postgres://USER@HOST:PORT/DB for PostgreSQL; unset = SQLite in the data directory', undefined, /^postgres(ql)?:\/\//, 'postgres://…'),
  },
  cluster: {
    redisUrl: str('redis[s]://[user:password@]HOST:PORT[/DB]: makes this node one of a cluster (needs database.url)', undefined, /^rediss?:\/\//, 'redis://… or rediss://…'),
    nodeName: str('this node\'s name in logs, `ferry cluster status` and the x-ferry-node response header; unset = host name and process id'),
    blobDir: str('the object store\'s directory, reached by every node (one host or a shared filesystem); unset = DIR/objects'),
    kekFile: str('the file holding the key-encryption key that protects the CA key in the database; unset = DIR/pki/kek. Every node of a cluster needs a copy'),
    heartbeatSeconds: int('how often a node records that it is alive', 5, 1, 60),
    nodeTimeoutSeconds: int('a node silent this long is dead: its devices get disconnected events, its leases are taken over', 15, 3, 600),
    changeWaitSeconds: int('how long a registry change waits for every live node to apply it before the call fails with ServiceUnavailableException', 10, 1, 120),
    leaseSeconds: int('how long a claimed timer stays with the node that claimed it', 30, 5, 3600),
  },
  network: {
    trustedProxies: list('addresses or CIDR blocks of load balancers allowed to send a PROXY protocol (v1 or v2) header (a header from anyone else is refused), and of reverse proxies whose X-Forwarded-Host/-Proto the web console believes'),
  },
  tls: {
    ticketKeyRotationHours: int('how often the TLS session-ticket key shared by every node is replaced', 24, 1, 24 * 30),
    certFile: str('PEM certificate chain (leaf first) the api and s3 listeners serve instead of Ferry\'s own, e.g. one browsers already trust; re-read on SIGHUP. The device and MQTT listeners keep Ferry\'s CA. Needs keyFile'),
    keyFile: str('PEM private key of certFile; re-read on SIGHUP'),
  },
  metrics: {
    address: str('HOST:PORT serving /metrics (Prometheus text format), /healthz and /readyz over plain HTTP; unset = off. Bind it to an internal address', undefined, /^[^\s:]*:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/, 'HOST:PORT'),
  },
  s3: {
    sigv2: { type: { kind: 'boolean' }, default: true, doc: 'accept S3 Signature Version 2 (AWSAccessKeyId/Signature/Expires URLs and Authorization: AWS headers), as S3 and MinIO still do' },
    abandonedUploadDays: int('multipart uploads neither completed nor aborted are aborted after this many days', 7, 1, 3650),
  },
  mqtt: {
    maxPayloadBytes: int('largest PUBLISH payload; a larger one closes the connection (CLIENT_ERROR), as AWS IoT Core does above 128 KB', 128 * 1024, 1, 256 * 1024 * 1024 - 0x10000 - 4),
    maxTopicBytes: int('longest topic name or filter in bytes; a longer publish closes the connection, a longer filter gets SUBACK 0x80', 256, 1, 0xffff),
    keepAliveMaxSeconds: int('a CONNECT asking for a longer keep-alive, or for none, is held to this', 1200, 30, 0xffff),
    connectsPerSecondPerClientId: int('CONNECTs one client id may make each second; more are refused (CONNACK 3) and announced on $aws/events/presence/connect_failed', 1, 1, 1_000_000),
    publishesPerSecond: int('PUBLISHes one connection may send each second; more are discarded (QoS 1 still acknowledged)', 100, 1, 1_000_000),
    inboundBytesPerSecond: int('PUBLISH bytes one connection may send each second; publishes beyond are discarded (keep it above maxPayloadBytes, or the largest publishes never pass)', 512 * 1024, 1024, 1024 * 1024 * 1024),
    subscriptionsPerConnection: int('subscriptions one connection may hold; a SUBSCRIBE going past closes the connection (THROTTLED)', 50, 1, 100_000),
    filtersPerSubscribe: int('topic filters one SUBSCRIBE may carry; those past it get SUBACK 0x80', 8, 1, 1000),
    sessionExpirySeconds: int('a persistent session (clean session off) and its queued QoS 1 messages end this long after its client disconnected', 3600, 60, 7 * 24 * 3600),
  },
  audit: {
    retentionDays: int('audit events (every operator request, as ferry audit shows them) older than this many days are purged', 90, 1, 36_500),
    file: str('also append each audit event as a JSON line to this file, for a log shipper; unset = off'),
  },
  history: {
    retentionDays: int('history events (lifecycle events, job and execution transitions, presigned links issued and first used, as ferry thing describe and ferry job watch show them) older than this many days are purged', 30, 1, 36_500),
  },
  jobs: {
    schedulerIntervalMs: int('how often each node looks for due job timers', 1000, 50, 60_000),
    maxConcurrentJobs: int("the account's job concurrency quota: jobs rolling out (things not yet notified) at once; CreateJob of one more is LimitExceededException, a scheduled job starting with the quota full is CANCELED", 100, 1, 100_000),
  },
} as const;

export type Schema = typeof SCHEMA;

export const isSetting = (node: unknown): node is Setting =>
  typeof node === 'object' && node !== null && 'type' in node && 'doc' in node && 'default' in node;

/** Every setting with its dotted path, in the schema's order. */
export function settings(node: object = SCHEMA, prefix = ''): Array<{ path: string; setting: Setting }> {
  const out: Array<{ path: string; setting: Setting }> = [];
  for (const [key, child] of Object.entries(node)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (isSetting(child)) out.push({ path, setting: child });
    else out.push(...settings(child as object, path));
  }
  return out;
}

/** "an integer from 1 to 60", "one of: a, b" — what a setting accepts, for errors and docs. */
export function describeType(type: SettingType): string {
  switch (type.kind) {
    case 'string':
      return type.patternHint ?? 'a string';
    case 'integer':
      return `an integer from ${type.min} to ${type.max}`;
    case 'boolean':
      return 'true or false';
    case 'enum':
      return `one of: ${type.values.join(', ')}`;
    case 'string-list':
      return 'a list of strings';
  }
}
