import Fastify, { LogController, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { invalidInput } from '../../errors.js';
import { newRequestId } from '../../ids.js';
import { renderError, sendError, type ProtocolDefaults } from './send-error.js';
import type { Socket } from 'node:net';
import { redactUrl } from './redact.js';
import type { Clock } from '../../clock.js';
import './types.js';

export interface HttpsAppOptions extends ProtocolDefaults {
  name: string;
  /** The server's time: every reply's Date header comes from it. */
  clock: Clock;
  tls: { key: string; cert: string; ca?: string[]; requestCert: boolean; ALPNProtocols?: string[] };
  logger: Logger;
  /** Largest buffered body (JSON and query protocols). */
  bodyLimit: number;
  /** S3: leave request bodies unread so handlers can stream them. */
  streamBodies?: boolean;
  /** Told each answered request (metrics). */
  countRequest?: (listener: string, operation: string, status: number) => void;
}

/**
 * A Fastify HTTPS app with what every AWS-speaking listener needs: request
 * ids, raw bodies (signatures cover them), a not-found answer and an error
 * handler in the listener's wire protocol, and logs without secrets.
 */
/**
 * TLS settings every node's listeners share: certificates are judged per
 * request, and one session-id context, so a session made through one node
 * (or process) resumes through another even when a client certificate was asked.
 */
export const SHARED_TLS = { rejectUnauthorized: false, sessionIdContext: 'ferry' } as const;

/** What metrics call a request: its named operation, else its route's method and pattern (never the raw URL: unbounded). */
function operationOf(request: FastifyRequest): string {
  if (request.operation) return request.operation;
  const route = request.routeOptions.url;
  return route ? `${request.method} ${route}` : 'unmatched';
}

export function createHttpsApp(opts: HttpsAppOptions): FastifyInstance {
  const app = Fastify({
    https: {
      key: opts.tls.key,
      cert: opts.tls.cert,
      ...(opts.tls.ca ? { ca: opts.tls.ca } : {}),
      requestCert: opts.tls.requestCert,
      ...(opts.tls.ALPNProtocols ? { ALPNProtocols: opts.tls.ALPNProtocols } : {}),
      // Certificates are judged per request (chain, registry status), so the handshake never fails on them.
      ...SHARED_TLS,
    },
    loggerInstance: opts.logger.child({ listener: opts.name }),
    genReqId: () => newRequestId(),
    bodyLimit: opts.bodyLimit,
    return503OnClosing: true,
    requestTimeout: 0, // large uploads may take long; idle sockets are bounded by keepAliveTimeout
    keepAliveTimeout: 65_000,
    clientErrorHandler: (error, socket) => answerMalformedRequest(error, socket, opts),
    routerOptions: { maxParamLength: 2048, ignoreDuplicateSlashes: false, ignoreTrailingSlash: false },
    // Fastify's own request logs print the URL, which for presigned requests holds secrets; onResponse logs a redacted one.
    logController: new LogController({ disableRequestLogging: true }),
  });

  app.removeAllContentTypeParsers();
  if (opts.streamBodies) {
    app.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));
  } else {
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (req, body, done) => {
      req.rawBody = body as Buffer;
      done(null, body);
    });
  }

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-amzn-requestid', request.id);
    if (opts.protocol === 'rest-xml') reply.header('x-amz-request-id', request.id);
  });
  // SDKs correct their clock skew from the Date header (node-ecosystem.md §2 pitfall 8), so it is the injectable clock's.
  app.addHook('onSend', async (_request, reply) => {
    reply.header('date', new Date(opts.clock.now()).toUTCString());
  });
  app.addHook('onResponse', async (request, reply) => {
    const auth = request.authScheme ?? 'none';
    request.log.info({ method: request.method, url: redactUrl(request.raw.url ?? ''), status: reply.statusCode, auth, ms: Math.round(reply.elapsedTime) }, 'request');
    opts.countRequest?.(opts.name, operationOf(request), reply.statusCode);
  });

  app.setErrorHandler((error, request, reply) => sendError(request, reply, error, opts));
  app.setNotFoundHandler((request, reply) =>
    sendError(request, reply, invalidInput(`No operation matches ${request.method} ${redactUrl(request.raw.url ?? '').split('?')[0]}`, 'unknown-operation'), opts),
  );
  // The HTTPS-typed instance is used through the plain interface everywhere else.
  return app as unknown as FastifyInstance;
}

/** A request Node's HTTP parser cannot read still gets an answer in the listener's protocol. */
function answerMalformedRequest(error: Error & { code?: string }, socket: Socket, opts: ProtocolDefaults): void {
  if (!socket.writable) return;
  const out = renderError(opts.protocol, opts.service, invalidInput(`Malformed HTTP request (${error.code ?? error.message}).`, 'malformed-body'), newRequestId(), 'POST');
  const headers = Object.entries({ ...out.headers, date: new Date().toUTCString(), 'content-length': String(Buffer.byteLength(out.body)), connection: 'close' })
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n');
  socket.end(`HTTP/1.1 ${out.status} Bad Request\r\n${headers}\r\n\r\n${out.body}`);
}
