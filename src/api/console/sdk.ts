/**
 * The console's IAM and S3 operations are made with the official AWS SDK clients, signed with
 * the session's key: IAM is dispatched into the api listener itself (as dispatch.ts does for
 * IoT), S3 goes over loopback to the s3 listener, so bodies stream both ways. Either way the
 * operation passes the same authentication, authorization and audit log as any AWS client's.
 */
import { Readable } from 'node:stream';
import https from 'node:https';
import { rootCertificates } from 'node:tls';
import type { FastifyInstance } from 'fastify';
import { HttpResponse, type HttpRequest } from '@smithy/protocol-http';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import type { AppContext } from '../../server/context.js';

export interface SessionKey {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** A Smithy request handler that answers from app.inject (no socket). */
class InjectHandler {
  constructor(private readonly app: FastifyInstance) {}
  async handle(request: HttpRequest): Promise<{ response: HttpResponse }> {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(request.query ?? {})) for (const one of Array.isArray(v) ? v : [v]) if (one !== null && one !== undefined) query.append(k, one);
    const qs = query.toString();
    const reply = await this.app.inject({
      method: request.method as 'POST',
      url: `${request.path}${qs ? `?${qs}` : ''}`,
      headers: request.headers,
      ...(request.body !== undefined ? { payload: request.body as string } : {}),
    });
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(reply.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : String(v);
    return { response: new HttpResponse({ statusCode: reply.statusCode, headers, body: Readable.from([reply.rawPayload]) }) };
  }
  updateHttpClientConfig(): void {}
  httpHandlerConfigs(): Record<string, never> {
    return {};
  }
  destroy(): void {}
}

/** The SDKs sign with the system clock; the server judges with its own (injectable) one. */
const clockOffset = (ctx: AppContext) => ctx.clock.now() - Date.now();

/** IAM as the signed-in identity, dispatched into this same api listener. */
export function iamClientFor(app: FastifyInstance, ctx: AppContext, key: SessionKey, host: string): IAMClient {
  return new IAMClient({
    region: 'us-east-1',
    endpoint: `https://${host}`,
    credentials: key,
    systemClockOffset: clockOffset(ctx),
    maxAttempts: 1,
    requestHandler: new InjectHandler(app) as unknown as NodeHttpHandler,
  });
}

/** Where this node's s3 listener can be reached from inside the process. */
export type S3Address = () => { host: string; port: number } | undefined;

const loopbackHost = (host: string) => (host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '::1' : host);

const agents = new WeakMap<AppContext, { agent: https.Agent; chain: string | undefined }>();
/**
 * Our own listener on loopback, trusted by Ferry's CA (or the system's roots when it serves a
 * browser certificate); the name is not checked, as the address is the process's own.
 */
function loopbackAgent(ctx: AppContext): https.Agent {
  // A --tls-cert renewal may bring a new chain (a private CA's): a new agent trusts it.
  const chain = ctx.browserCertificate?.current.cert;
  const cached = agents.get(ctx);
  if (cached && cached.chain === chain) return cached.agent;
  cached?.agent.destroy();
  const agent = new https.Agent({ keepAlive: true, ca: [ctx.pki.caCertPem, ...rootCertificates, ...(chain ? [chain] : [])], checkServerIdentity: () => undefined });
  agents.set(ctx, { agent, chain });
  return agent;
}

/** S3 as the signed-in identity, over loopback to this node's s3 listener. */
export function s3ClientFor(ctx: AppContext, key: SessionKey, address: S3Address): S3Client {
  const at = address();
  if (!at) throw new Error('The s3 listener is not bound yet.');
  const host = loopbackHost(at.host);
  return new S3Client({
    region: ctx.region,
    endpoint: `https://${host.includes(':') ? `[${host}]` : host}:${at.port}`,
    forcePathStyle: true,
    credentials: key,
    systemClockOffset: clockOffset(ctx),
    maxAttempts: 1,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: new NodeHttpHandler({ httpsAgent: loopbackAgent(ctx) }),
  });
}

/** S3 pointed at the advertised endpoint, for presigned links others will use. */
export function publicS3ClientFor(ctx: AppContext, key: SessionKey): S3Client {
  return new S3Client({ region: ctx.region, endpoint: ctx.endpoints.s3, forcePathStyle: true, credentials: key, systemClockOffset: clockOffset(ctx) });
}
