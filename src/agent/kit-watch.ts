/**
 * Watches a connection kit folder: when its certificate, key or root CA
 * change (`ferry thing create --rotate` wrote a new kit), the agent re-reads
 * them and reconnects. The folder is watched, not the files: the kit is
 * replaced by renames (src/agent/kit.ts writeKit), which a watch on a file
 * would lose. Events come in bursts, so the kit is read once they settle; a
 * read that fails (a file named by kit.json not there yet, or a kit being
 * edited by hand) is tried again a little later, and the agent keeps its
 * credentials meanwhile.
 */
import { watch, type FSWatcher } from 'node:fs';
import type { Logger } from 'pino';
import { readKit, type Kit } from './kit.js';

export interface KitCredentials {
  certPem: string;
  keyPem: string;
  caPem: string;
}

export interface KitWatchOptions {
  dir: string;
  /** What the agent runs with now; only a change from these is reported. */
  current: KitCredentials;
  /** Called with the new kit once its credentials differ. */
  onChange: (kit: Kit) => void | Promise<void>;
  /** Quiet time after the last event before the kit is read. Default 250 ms. */
  debounceMs?: number;
  log: Logger;
}

const RETRIES = 5;

export function watchKit(options: KitWatchOptions): { close(): void } {
  const debounceMs = options.debounceMs ?? 250;
  let current = options.current;
  let timer: NodeJS.Timeout | undefined;
  let failures = 0;
  let closed = false;
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(check, debounceMs);
  };
  const check = () => {
    timer = undefined;
    if (closed) return;
    let kit: Kit;
    try {
      kit = readKit(options.dir);
      failures = 0;
    } catch (error) {
      if (++failures <= RETRIES) later();
      else options.log.warn({ err: (error as Error).message, dir: options.dir }, 'the kit cannot be read: keeping the credentials in use');
      return;
    }
    if (kit.certPem === current.certPem && kit.keyPem === current.keyPem && kit.caPem === current.caPem) return;
    current = { certPem: kit.certPem, keyPem: kit.keyPem, caPem: kit.caPem };
    options.log.info({ dir: options.dir }, 'the kit changed: reconnecting with its new credentials');
    Promise.resolve(options.onChange(kit)).catch((error: unknown) => options.log.error({ err: (error as Error).message }, 'using the new kit failed'));
  };
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(options.dir, { persistent: false }, () => {
      failures = 0;
      later();
    });
    watcher.on('error', (error) => options.log.warn({ err: error.message, dir: options.dir }, 'watching the kit stopped'));
  } catch (error) {
    options.log.warn({ err: (error as Error).message, dir: options.dir }, 'the kit folder cannot be watched: a new kit needs a restart');
  }
  return {
    close: () => {
      closed = true;
      clearTimeout(timer);
      watcher?.close();
    },
  };
}
