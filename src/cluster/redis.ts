import { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * A Redis connection for the cluster: reconnects forever with a capped
 * back-off, never queues commands while disconnected for the pub/sub side
 * (a message that cannot be sent now is reconciled later, not sent late),
 * and logs its state changes without the URL's password.
 */
export function connectRedis(url: string, opts: { name: string; logger: Logger; keyPrefix?: string; offlineQueue?: boolean }): Redis {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectionName: opts.name,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: opts.offlineQueue ?? true,
    retryStrategy: (attempt) => Math.min(200 * attempt, 2000),
    ...(opts.keyPrefix ? { keyPrefix: opts.keyPrefix } : {}),
  });
  let down = false;
  redis.on('error', (error: Error) => {
    if (!down) opts.logger.warn({ err: error.message, connection: opts.name }, 'redis unreachable; retrying');
    down = true;
  });
  redis.on('ready', () => {
    if (down) opts.logger.info({ connection: opts.name }, 'redis reachable again');
    down = false;
  });
  return redis;
}

/** The URL as logs may show it. */
export const redactRedisUrl = (url: string): string => url.replace(/\/\/[^@/]*@/, '//***@');
