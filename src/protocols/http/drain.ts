import type { IncomingMessage } from 'node:http';

/**
 * The most of a refused request's body read and thrown away before the connection is cut. Reading it
 * is what lets the client see the error at all: a server that closes while the client is still
 * sending makes TCP reset the connection, and the reset can arrive before the response is read
 * (issue 24: SDKs saw a network error and retried). Beyond this much the client is told by a reset.
 */
export const MAX_DRAINED_BYTES = 64 * 1024 * 1024;

/**
 * A request answered before its body was read: the rest of the body is read and discarded (not
 * buffered), so the error is sent whole and the connection stays usable (RFC 9112 §9.6: a server
 * that closes early should keep reading, as nginx's lingering close does) — up to MAX_DRAINED_BYTES.
 */
export function drainUnreadBody(request: IncomingMessage): void {
  if (request.complete || request.destroyed || request.readableEnded) return;
  let drained = 0;
  request.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > MAX_DRAINED_BYTES) request.socket?.destroy();
  });
  request.resume();
}
