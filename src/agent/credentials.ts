/**
 * The IoT credentials provider, client side (aws-wire-protocols.md §8):
 * `GET /role-aliases/{alias}/credentials` over mutual TLS with the device
 * certificate and `x-amzn-iot-thingname`, answering temporary credentials of
 * the role behind the alias. They are cached until shortly before they expire.
 */
import https from 'node:https';
import { systemClock, type Clock } from '../clock.js';
import { failed } from './outcome.js';

export interface CredentialsProviderOptions {
  /** `https://host[:port]` (AWS: the iot:CredentialProvider endpoint on 443; Ferry: the device listener). */
  endpoint: string;
  roleAlias: string;
  thingName: string;
  certPem: string;
  keyPem: string;
  /** Trust for the endpoint; omitted = the system roots. */
  ca?: string | string[];
  clock?: Clock;
  /** Ask again this long before expiry. Default 5 minutes. */
  refreshMarginMs?: number;
  timeoutMs?: number;
}

export interface TemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

export class CertificateCredentials {
  private cached: TemporaryCredentials | undefined;
  private pending: Promise<TemporaryCredentials> | undefined;
  private readonly clock: Clock;

  constructor(private readonly options: CredentialsProviderOptions) {
    this.clock = options.clock ?? systemClock;
  }

  /** Cached credentials, or fresh ones when they are about to expire. */
  async get(): Promise<TemporaryCredentials> {
    const margin = this.options.refreshMarginMs ?? 5 * 60_000;
    if (this.cached && this.cached.expiration.getTime() - margin > this.clock.now()) return this.cached;
    this.pending ??= this.fetch().finally(() => (this.pending = undefined));
    this.cached = await this.pending;
    return this.cached;
  }

  /** A new certificate and key (a rotated kit): the next exchange uses them. */
  renew(credentials: { certPem: string; keyPem: string }): void {
    this.options.certPem = credentials.certPem;
    this.options.keyPem = credentials.keyPem;
  }

  /** For the AWS SDK's `credentials` option. */
  provider(): () => Promise<TemporaryCredentials> {
    return () => this.get();
  }

  private fetch(): Promise<TemporaryCredentials> {
    const { endpoint, roleAlias, thingName } = this.options;
    const url = new URL(`/role-aliases/${encodeURIComponent(roleAlias)}/credentials`, endpoint);
    return new Promise((resolve, reject) => {
      const req = https.request(
        url,
        {
          method: 'GET',
          cert: this.options.certPem,
          key: this.options.keyPem,
          ...(this.options.ca ? { ca: this.options.ca } : {}),
          headers: { accept: 'application/json', 'x-amzn-iot-thingname': thingName },
          agent: false,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (e) => reject(unavailable(roleAlias, e)));
          res.on('end', () => {
            try {
              resolve(parse(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), roleAlias));
            } catch (e) {
              reject(e);
            }
          });
        },
      );
      req.setTimeout(this.options.timeoutMs ?? 15_000, () => req.destroy(new Error('no answer')));
      req.on('error', (e) => reject(unavailable(roleAlias, e)));
      req.end();
    });
  }
}

const unavailable = (alias: string, e: Error) =>
  failed('credentials-unavailable', `Could not reach the credentials provider for role alias ${alias}: ${e.message}`);

function parse(status: number, body: string, alias: string): TemporaryCredentials {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    json = undefined;
  }
  if (status !== 200) {
    const message = (json as { message?: string } | undefined)?.message ?? body.slice(0, 300);
    throw failed('credentials-refused', `The credentials provider refused role alias ${alias} (HTTP ${status}): ${message}`);
  }
  const c = (json as { credentials?: Record<string, unknown> } | undefined)?.credentials;
  if (!c || typeof c.accessKeyId !== 'string' || typeof c.secretAccessKey !== 'string' || typeof c.sessionToken !== 'string') {
    throw failed('credentials-unavailable', 'The credentials provider answered without credentials.');
  }
  // §8: expiration is optional in the AWS CRT client; without one, assume the default hour.
  const expiration = typeof c.expiration === 'string' ? new Date(c.expiration) : new Date(Date.now() + 3600_000);
  return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken, expiration };
}
