import type { Socket } from 'node:net';

/** How long a connection that sent DISCONNECT may take to close its own side before it is cut. */
const LINGER_MS = 2000;

/**
 * Makes the next close of a socket whose client sent DISCONNECT a graceful one.
 *
 * aedes closes a client's connection on DISCONNECT with `destroy()`, having stopped reading. A client ends its
 * stream right after the packet (mqtt.js does, with TLS close_notify and a FIN), so those bytes are often unread
 * when the socket closes, and a kernel closing a socket with unread data answers with a reset: the client sees
 * `read ECONNRESET` after its own clean disconnect. Instead the broker ends its side (close_notify, FIN), reads
 * and discards what still arrives, and closes when the client has closed — or after LINGER_MS at most.
 * A destroy with an error (a failed connection) stays immediate.
 */
export function closeGracefullyOnDestroy(socket: Socket): void {
  const destroy = socket.destroy.bind(socket);
  socket.destroy = (error?: Error) => {
    socket.destroy = destroy;
    if (error || socket.destroyed) return destroy(error);
    const cut = setTimeout(() => destroy(), LINGER_MS).unref();
    socket.once('close', () => clearTimeout(cut));
    socket.on('data', () => {});
    socket.resume();
    socket.end();
    return socket;
  };
}
