import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import type { Redis } from 'ioredis';

const require = createRequire(import.meta.url);

/** The persistence methods whose result aedes 1.2 pipes: it needs Readable streams, the Redis class gives async iterables. */
const STREAMING = new Set(['createRetainedStream', 'createRetainedStreamCombi', 'outgoingStream', 'streamWill', 'getClientList']);

/**
 * aedes' persistence on Redis (aedes-persistence-redis): persistent sessions'
 * subscriptions and queued QoS 1 messages, retained messages and wills, shared
 * by every node so they outlive the node that held them. Its promise-style
 * class is loaded directly (aedes 1.x requires an async `setup`, which the
 * package's default callback export lacks), and its iterables are handed to
 * aedes as the streams aedes 1.2 expects (as aedes' own in-memory persistence
 * does). Ferry's session rules wrap it as they wrap the in-memory one
 * (src/mqtt/session-store.ts).
 */
export function sessionPersistence(conn: Redis): object {
  const AsyncPersistence = require('aedes-persistence-redis/asyncPersistence.js') as new (opts: { conn: Redis }) => object;
  const inner = new AsyncPersistence({ conn });
  return new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      if (typeof property === 'string' && STREAMING.has(property)) {
        return (...args: unknown[]) => {
          const out = (value as (...a: unknown[]) => unknown).apply(target, args);
          return out instanceof Readable ? out : Readable.from(out as AsyncIterable<unknown>);
        };
      }
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
}
