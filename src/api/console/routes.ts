/**
 * The console's API: sign-in and session, and one route that runs an IoT operation as the
 * signed-in identity (dispatch.ts). Same-origin JSON only; answers `{ error: { code, message } }`
 * on failure with the AWS error name when an operation refused.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../server/context.js';
import { ConsoleSessions, type ConsoleSession, type SessionLimits } from '../../console/sessions.js';
import { SignInLimiter, type SignInLimits } from '../../console/sign-in-limiter.js';
import { parseJson } from '../../json-syntax.js';
import { consoleHeaders } from './headers.js';
import { crossSiteRefusal } from './cross-site.js';
import { callProblem, dispatchSigned, type SignedCall } from './dispatch.js';
import { registerFlowRoutes } from './flows/index.js';

export const SESSION_COOKIE = '__Host-ferry_session';

export interface ConsoleOptions {
  sessions?: SessionLimits;
  signIn?: SignInLimits;
}

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

function jsonBody(request: FastifyRequest): Record<string, unknown> {
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

const describe = (s: ConsoleSession) => ({ accessKeyId: s.accessKeyId, arn: s.arn, kind: s.kind, expiresAt: s.expiresAt });

export function registerConsoleApi(app: FastifyInstance, ctx: AppContext, opts: ConsoleOptions = {}): void {
  const sessions = new ConsoleSessions(ctx.clock, opts.sessions);
  const limiter = new SignInLimiter(ctx.clock, opts.signIn);
  const log = ctx.logger.child({ component: 'console' });

  /** The request's live session and its key's current secret; a key that no longer resolves ends the session. */
  async function sessionOf(request: FastifyRequest): Promise<{ id: string; session: ConsoleSession; secretAccessKey: string }> {
    const id = cookieOf(request);
    const session = id ? sessions.use(id) : undefined;
    if (!id || !session) throw new ConsoleRefusal(401, 'NotSignedIn', 'Sign in to use the console (no session, or it timed out).');
    const key = await ctx.accessKeys.resolve(session.accessKeyId, undefined, ctx.clock.now()).catch(() => undefined);
    if (!key) {
      sessions.endAllOf(session.accessKeyId);
      throw new ConsoleRefusal(401, 'NotSignedIn', 'The access key of this session is no longer valid; sign in again.');
    }
    return { id, session, secretAccessKey: key.secretAccessKey };
  }

  const route = (method: 'GET' | 'POST', url: string, handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>): void => {
    app.route({
      method,
      url,
      handler: async (request, reply) => {
        consoleHeaders(reply).header('cache-control', 'no-store');
        try {
          if (method !== 'GET') {
            const refusal = crossSiteRefusal(request);
            if (refusal) throw new ConsoleRefusal(403, 'CrossSiteRequestRefused', refusal);
          }
          return await handler(request, reply);
        } catch (error) {
          if (!(error instanceof ConsoleRefusal)) throw error;
          return reply.code(error.status).send({ error: { code: error.code, message: error.message } });
        }
      },
    });
  };

  route('POST', '/console/api/session', async (request, reply) => {
    const body = jsonBody(request);
    const accessKeyId = typeof body.accessKeyId === 'string' ? body.accessKeyId : '';
    const secret = typeof body.secretAccessKey === 'string' ? body.secretAccessKey : '';
    const subjects = [`key:${accessKeyId}`, `ip:${request.ip}`];
    const wait = limiter.retryAfterMs(subjects);
    if (wait > 0) {
      log.warn({ accessKeyId, ip: request.ip }, 'console sign-in refused: too many failures');
      reply.header('retry-after', String(Math.ceil(wait / 1000)));
      throw new ConsoleRefusal(429, 'ThrottlingException', `Too many failed sign-ins; try again in ${Math.ceil(wait / 60_000)} minute(s).`);
    }
    const key = accessKeyId ? await ctx.accessKeys.resolve(accessKeyId, undefined, ctx.clock.now()).catch(() => undefined) : undefined;
    if (!key || !sameSecret(key.secretAccessKey, secret)) {
      limiter.recordFailure(subjects);
      // The key id is not a secret (it is in every signed request); the secret is never logged.
      log.warn({ accessKeyId, ip: request.ip }, 'console sign-in failed');
      throw new ConsoleRefusal(401, 'InvalidClientTokenId', 'The access key id or secret access key is not right.');
    }
    const { id, session } = sessions.create({ accessKeyId, arn: key.principal.arn, kind: key.principal.kind });
    log.info({ accessKeyId, arn: session.arn, ip: request.ip }, 'console sign-in');
    setCookie(reply, id);
    return describe(session);
  });

  route('GET', '/console/api/session', async (request) => describe((await sessionOf(request)).session));

  route('POST', '/console/api/session/end', async (request, reply) => {
    const id = cookieOf(request);
    if (id) sessions.end(id);
    clearCookie(reply);
    return { signedOut: true };
  });

  route('POST', '/console/api/session/end-everywhere', async (request, reply) => {
    const { session } = await sessionOf(request);
    const ended = sessions.endAllOf(session.accessKeyId);
    log.info({ accessKeyId: session.accessKeyId, ended }, 'console sessions ended everywhere');
    clearCookie(reply);
    return { signedOut: true, sessionsEnded: ended };
  });

  /** Runs one operation as the request's signed-in identity; a refusal becomes the console's error answer. */
  const callAs = async (request: FastifyRequest, call: SignedCall): Promise<unknown> => {
    const { session, secretAccessKey } = await sessionOf(request);
    const result = await dispatchSigned(app, call, { accessKeyId: session.accessKeyId, secretAccessKey }, { region: ctx.region, host: request.headers.host ?? 'localhost', nowMs: ctx.clock.now() });
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

  registerFlowRoutes({ app, ctx, route, callAs, jsonBody, session: async (request) => (await sessionOf(request)).session });
}

/** What the console's flows (flows/*.ts) build their routes from. */
export interface ConsoleRouteKit {
  app: FastifyInstance;
  ctx: AppContext;
  /** A console route: its headers, the cross-site check on state changes, refusals as `{ error }`. */
  route(method: 'GET' | 'POST', url: string, handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>): void;
  callAs(request: FastifyRequest, call: SignedCall): Promise<unknown>;
  jsonBody(request: FastifyRequest): Record<string, unknown>;
  session(request: FastifyRequest): Promise<ConsoleSession>;
}
