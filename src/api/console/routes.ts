/**
 * The console's API: sign-in (access key, or IAM user name and console password) and session,
 * a password change, a presigned MQTT WebSocket URL, and one route that runs an IoT operation
 * as the signed-in identity (dispatch.ts), signed with the session's own credential. Same-origin JSON only; answers `{ error: { code, message } }`
 * on failure with the AWS error name when an operation refused.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../server/context.js';
import { DEFAULT_SESSION_LIMITS, type ConsoleSession, type SessionLimits } from '../../console/sessions.js';
import { SignInLimiter, type SignInLimits } from '../../console/sign-in-limiter.js';
import { parseJson } from '../../json-syntax.js';
import { consoleHeaders } from './headers.js';
import { crossSiteRefusal } from './cross-site.js';
import { publicOrigin, trustedProxyList } from './forwarded.js';
import { callProblem, dispatchQuery, dispatchSigned, type SignedCall } from './dispatch.js';
import { presignUrl } from '../../protocols/sigv4/presign.js';
import { uploadRefusal } from './upload-guard.js';
import { s3ClientFor, type S3Address } from './sdk.js';
import type { S3Client } from '@aws-sdk/client-s3';
import { refusalOf } from './sdk-errors.js';
import { registerConsoleIam } from './iam.js';
import { registerConsoleObjects } from './objects.js';
import { registerFlowRoutes } from './flows/index.js';

export const SESSION_COOKIE = '__Host-ferry_session';

export interface ConsoleOptions {
  sessions?: SessionLimits;
  signIn?: SignInLimits;
  /** Where this node's s3 listener is bound (the buckets pages go through it). */
  s3Address?: S3Address;
}

/** What the console's other route modules (iam.ts, objects.ts) are given. */
export interface ConsoleKit {
  route: RouteFn;
  /** The live session; its `credential` (the session's own, short-lived) signs what the module sends. */
  sessionOf(request: FastifyRequest): Promise<ConsoleSession>;
}

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
/** `stream`: the body is not JSON but streamed to the handler (uploads); still same-origin only. */
type RouteFn = (method: 'GET' | 'POST' | 'PUT', url: string, handler: Handler, opts?: { stream?: boolean }) => void;

export class ConsoleRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function cookieOf(request: FastifyRequest): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === SESSION_COOKIE) return value.join('=');
  }
  return undefined;
}

const setCookie = (reply: FastifyReply, id: string) => reply.header('set-cookie', `${SESSION_COOKIE}=${id}; Path=/; Secure; HttpOnly; SameSite=Strict`);
const clearCookie = (reply: FastifyReply) => reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0`);

export function jsonBody(request: FastifyRequest): Record<string, unknown> {
  const raw = request.rawBody?.toString('utf8') ?? '';
  let body: unknown;
  try {
    body = parseJson(raw || '{}');
  } catch (error) {
    throw new ConsoleRefusal(400, 'SerializationException', `The request body is not JSON: ${(error as Error).message}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ConsoleRefusal(400, 'SerializationException', 'The request body must be a JSON object.');
  return body as Record<string, unknown>;
}

const sameSecret = (a: string, b: string) => timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());

const describe = (s: ConsoleSession) => ({
  arn: s.arn,
  kind: s.kind,
  method: s.method,
  ...(s.signInKeyId ? { accessKeyId: s.signInKeyId } : {}),
  passwordChangeRequired: s.passwordChangeRequired,
  expiresAt: s.expiresAt,
});

const text = (body: Record<string, unknown>, name: string) => (typeof body[name] === 'string' ? (body[name] as string) : '');

/** How long the console's presigned MQTT WebSocket URL may be used to connect. */
export const MQTT_URL_SECONDS = 300;

export function registerConsoleApi(app: FastifyInstance, ctx: AppContext, opts: ConsoleOptions = {}): void {
  const sessions = ctx.services.iam.consoleSessions;
  const limits = opts.sessions ?? DEFAULT_SESSION_LIMITS;
  const limiter = new SignInLimiter(ctx.clock, opts.signIn);
  const log = ctx.logger.child({ component: 'console' });
  // Forwarded scheme and host are believed from these only (forwarded.ts).
  const trustedProxies = trustedProxyList(ctx.options.trustedProxies);

  /**
   * The request's live session. A session signed in with an access key that was since
   * deactivated or deleted is ended here. Until a password user has changed a password that
   * must be reset, only the change itself, the session's description and sign-out are allowed.
   */
  async function sessionOf(request: FastifyRequest, opts: { beforePasswordChange?: boolean } = {}): Promise<ConsoleSession> {
    const id = cookieOf(request);
    const session = id ? await sessions.use(id) : undefined;
    if (!id || !session) throw new ConsoleRefusal(401, 'NotSignedIn', 'Sign in to use the console (no session, or it timed out).');
    if (session.signInKeyId) {
      const key = await ctx.accessKeys.resolve(session.signInKeyId, undefined, ctx.clock.now()).catch(() => undefined);
      if (!key) {
        await sessions.endAllOfKey(session.signInKeyId);
        await sessionsEnded('ConsoleSessionKeyGone');
        throw new ConsoleRefusal(401, 'NotSignedIn', 'The access key of this session is no longer valid; sign in again.');
      }
    }
    if (session.passwordChangeRequired && !opts.beforePasswordChange) throw new ConsoleRefusal(403, 'PasswordResetRequired', 'Your password must be changed before you use the console.');
    return session;
  }

  /** Ended sessions' MQTT connections are judged again, on every node, as after an IAM write (src/mqtt/live-changes.ts). */
  const sessionsEnded = (action: string) => ctx.services.registry.feed.emit('iam-changed', { action });

  const route: RouteFn = (method, url, handler, routeOpts = {}) => {
    const definition = {
      method,
      url,
      handler: async (request: FastifyRequest, reply: FastifyReply) => {
        consoleHeaders(reply).header('cache-control', 'no-store');
        try {
          if (method !== 'GET') {
            const refusal = routeOpts.stream ? uploadRefusal(request, trustedProxies) : crossSiteRefusal(request, trustedProxies);
            if (refusal) throw new ConsoleRefusal(403, 'CrossSiteRequestRefused', refusal);
          }
          return await handler(request, reply);
        } catch (error) {
          if (!(error instanceof ConsoleRefusal)) throw error;
          return reply.code(error.status).send({ error: { code: error.code, message: error.message } });
        }
      },
    };
    if (!routeOpts.stream) return void app.route(definition);
    // Its own parser, in its own scope: the body reaches the handler unread, past the listener's 256 KiB limit.
    void app.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
      scope.route(definition);
    });
  };

  /** Refuses while these subjects have failed too often (the same limit for keys and passwords). */
  function checkLimit(subjects: string[], reply: FastifyReply, who: Record<string, string>, ip: string): void {
    const wait = limiter.retryAfterMs(subjects);
    if (wait <= 0) return;
    log.warn({ ...who, ip }, 'console sign-in refused: too many failures');
    reply.header('retry-after', String(Math.ceil(wait / 1000)));
    throw new ConsoleRefusal(429, 'ThrottlingException', `Too many failed sign-ins; try again in ${Math.ceil(wait / 60_000)} minute(s).`);
  }

  function failed(subjects: string[], who: Record<string, string>, ip: string, code: string, message: string): never {
    limiter.recordFailure(subjects);
    // The key id and user name are not secrets; a secret or password is never logged.
    log.warn({ ...who, ip }, 'console sign-in failed');
    throw new ConsoleRefusal(401, code, message);
  }

  async function keySignIn(body: Record<string, unknown>, request: FastifyRequest, reply: FastifyReply) {
    const accessKeyId = text(body, 'accessKeyId');
    const secret = text(body, 'secretAccessKey');
    const subjects = [`key:${accessKeyId}`, `ip:${request.ip}`];
    checkLimit(subjects, reply, { accessKeyId }, request.ip);
    // Only long-term keys sign in: a session's own credential (ASIA…) cannot make another session.
    const key = /^AKIA/.test(accessKeyId) ? await ctx.accessKeys.resolve(accessKeyId, undefined, ctx.clock.now()).catch(() => undefined) : undefined;
    const principal = key?.principal;
    if (!key || !principal || (principal.kind !== 'root' && principal.kind !== 'user') || !sameSecret(key.secretAccessKey, secret)) {
      return failed(subjects, { accessKeyId }, request.ip, 'InvalidClientTokenId', 'The access key id or secret access key is not right.');
    }
    return sessions.create(
      principal.kind === 'user' ? { kind: 'user', arn: principal.arn, userId: principal.userId, userName: principal.userName, signInKeyId: accessKeyId } : { kind: 'root', arn: principal.arn, signInKeyId: accessKeyId },
      limits,
    );
  }

  async function passwordSignIn(body: Record<string, unknown>, request: FastifyRequest, reply: FastifyReply) {
    const userName = text(body, 'userName');
    const password = text(body, 'password');
    const subjects = [`user:${userName}`, `ip:${request.ip}`];
    checkLimit(subjects, reply, { userName }, request.ip);
    const iam = ctx.services.iam;
    if (!userName || !(await iam.loginProfiles.verify(userName, password))) {
      return failed(subjects, { userName }, request.ip, 'InvalidSignIn', 'The user name or password is not right.');
    }
    const user = await iam.users.get(userName);
    const profile = await iam.loginProfiles.get(userName);
    return sessions.create({ kind: 'user', arn: user.arn, userId: user.userId, userName: user.userName, passwordChangeRequired: profile.passwordResetRequired }, limits);
  }

  route('POST', '/console/api/session', async (request, reply) => {
    const body = jsonBody(request);
    const { id, session } = body.userName !== undefined ? await passwordSignIn(body, request, reply) : await keySignIn(body, request, reply);
    log.info({ arn: session.arn, method: session.method, ...(session.signInKeyId ? { accessKeyId: session.signInKeyId } : {}), ip: request.ip }, 'console sign-in');
    setCookie(reply, id);
    return describe(session);
  });

  route('GET', '/console/api/session', async (request) => describe(await sessionOf(request, { beforePasswordChange: true })));

  route('POST', '/console/api/session/end', async (request, reply) => {
    const id = cookieOf(request);
    if (id) await sessions.end(id);
    clearCookie(reply);
    await sessionsEnded('ConsoleSignOut');
    return { signedOut: true };
  });

  route('POST', '/console/api/session/end-everywhere', async (request, reply) => {
    const session = await sessionOf(request, { beforePasswordChange: true });
    const ended = await sessions.endAllOf({ userId: session.userId, arn: session.arn });
    log.info({ arn: session.arn, ended }, 'console sessions ended everywhere');
    clearCookie(reply);
    await sessionsEnded('ConsoleSignOutEverywhere');
    return { signedOut: true, sessionsEnded: ended };
  });

  /** IAM's ChangePassword, signed with the session's credential: the account's password policy applies; the user's other sessions end. */
  route('POST', '/console/api/password', async (request) => {
    const session = await sessionOf(request, { beforePasswordChange: true });
    if (session.kind !== 'user') throw new ConsoleRefusal(400, 'InvalidUserType', 'Only IAM users have a console password; the root key has none.');
    const body = jsonBody(request);
    const result = await dispatchQuery(app, { Action: 'ChangePassword', OldPassword: text(body, 'oldPassword'), NewPassword: text(body, 'newPassword') }, session.credential, { host: request.headers.host ?? 'localhost', nowMs: ctx.clock.now() });
    if (result.status >= 400) throw new ConsoleRefusal(result.status === 401 ? 403 : result.status, result.errorType ?? 'UnknownError', result.message ?? 'The password was not changed.');
    await sessions.passwordChanged(session.credential.accessKeyId);
    log.info({ arn: session.arn }, 'console password changed');
    return { passwordChanged: true };
  });

  /**
   * A short-lived SigV4 URL for MQTT over WebSocket at /mqtt on this listener, signed with the
   * session's credential (never a long-term secret): the console's MQTT client connects with it
   * as the signed-in identity, and it stops working when the session ends.
   */
  route('POST', '/console/api/mqtt-url', async (request) => {
    const session = await sessionOf(request);
    // The host and scheme the browser used: behind a trusted reverse proxy, the forwarded ones.
    const { proto, host } = publicOrigin(request, trustedProxies);
    const url = presignUrl({
      method: 'GET',
      origin: `https://${host}`,
      path: '/mqtt',
      ...session.credential,
      region: ctx.region,
      service: 'iotdevicegateway',
      expiresSec: MQTT_URL_SECONDS,
      nowMs: ctx.clock.now(),
    });
    return { url: url.replace(/^https:/, proto === 'https' ? 'wss:' : 'ws:'), expiresAt: ctx.clock.now() + MQTT_URL_SECONDS * 1000 };
  });

  /** Runs one operation as the request's signed-in identity; a refusal becomes the console's error answer. */
  const callAs = async (request: FastifyRequest, call: SignedCall): Promise<unknown> => {
    const session = await sessionOf(request);
    const result = await dispatchSigned(app, call, session.credential, { region: ctx.region, host: request.headers.host ?? 'localhost', nowMs: ctx.clock.now() });
    if (result.status >= 400) {
      const message = (result.body as { message?: string; Message?: string }).message ?? (result.body as { Message?: string }).Message ?? 'The operation failed.';
      // An operation's 401 is not the console session's: never let it sign the browser out.
      throw new ConsoleRefusal(result.status === 401 ? 403 : result.status, result.errorType ?? 'UnknownError', message);
    }
    return result.body;
  };

  route('POST', '/console/api/iot', async (request, reply) => {
    const body = jsonBody(request);
    const problem = callProblem(body);
    if (problem) throw new ConsoleRefusal(400, 'InvalidRequestException', problem);
    const call: SignedCall = { service: 'iot', method: body.method as SignedCall['method'], path: body.path as string, query: (body.query ?? {}) as Record<string, string>, ...(body.body !== undefined ? { body: body.body } : {}) };
    return reply.send({ body: await callAs(request, call) });
  });

  const kit: ConsoleKit = { route, sessionOf: (request) => sessionOf(request) };
  registerConsoleIam(app, ctx, kit);
  registerConsoleObjects(app, ctx, kit, opts.s3Address);
  /** Runs one S3 operation as the request's signed-in identity, through the s3 listener as the buckets page does. */
  const s3As = async <T>(request: FastifyRequest, work: (client: S3Client) => Promise<T>): Promise<T> => {
    const session = await sessionOf(request);
    const address = opts.s3Address;
    if (!address) throw new ConsoleRefusal(503, 'ServiceUnavailable', 'The object store is not reachable from the console on this server.');
    try {
      return await work(s3ClientFor(ctx, session.credential, address));
    } catch (error) {
      throw error instanceof ConsoleRefusal ? error : refusalOf(error);
    }
  };
  registerFlowRoutes({ app, ctx, route, callAs, s3As, jsonBody, session: (request) => sessionOf(request) });
}

/** What the console's flows (flows/*.ts) build their routes from. */
export interface ConsoleRouteKit {
  app: FastifyInstance;
  ctx: AppContext;
  /** A console route: its headers, the cross-site check on state changes, refusals as `{ error }`. */
  route(method: 'GET' | 'POST', url: string, handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>): void;
  callAs(request: FastifyRequest, call: SignedCall): Promise<unknown>;
  /** An S3 operation as the signed-in identity (S3 is its own listener, reached with the SDK). */
  s3As<T>(request: FastifyRequest, work: (client: S3Client) => Promise<T>): Promise<T>;
  jsonBody(request: FastifyRequest): Record<string, unknown>;
  session(request: FastifyRequest): Promise<ConsoleSession>;
}
