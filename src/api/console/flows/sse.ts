/**
 * Server-sent events for the console: one stream per page, each event with an id so a
 * browser's EventSource resumes with Last-Event-ID after a dropped connection. The
 * stream is written by hand (the reply is hijacked), so it carries the console's headers itself.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CONTENT_SECURITY_POLICY } from '../headers.js';

export interface EventStream {
  send(id: number | string | undefined, event: string, data: unknown): void;
  /** Resolves when the browser goes away. */
  readonly closed: Promise<void>;
}

/** The id the browser last saw (Last-Event-ID header, or `lastEventId` in the query for a first open). */
export function lastEventId(request: FastifyRequest): number | undefined {
  const header = request.headers['last-event-id'];
  const raw = (Array.isArray(header) ? header[0] : header) ?? (request.query as Record<string, string | undefined>).lastEventId;
  const n = raw === undefined ? NaN : Number(raw);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

const HEARTBEAT_MS = 15_000;

export function openEventStream(request: FastifyRequest, reply: FastifyReply): EventStream {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'content-security-policy': CONTENT_SECURITY_POLICY,
    // Proxies (nginx) must not buffer a stream.
    'x-accel-buffering': 'no',
  });
  raw.write('retry: 1000\n\n');
  // A comment now and then keeps idle proxies from closing the stream; it is not a clock for behaviour.
  const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), HEARTBEAT_MS);
  heartbeat.unref();
  const closed = new Promise<void>((resolve) =>
    request.raw.once('close', () => {
      clearInterval(heartbeat);
      resolve();
    }),
  );
  return {
    closed,
    send(id, event, data) {
      if (raw.writableEnded) return;
      raw.write(`${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
  };
}
