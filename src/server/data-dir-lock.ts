import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** Locks held by this process, so a second server in it on the same data dir is refused too. */
const held = new Set<string>();

/**
 * One server per data dir: its SQLite database, endpoints.json and AWS
 * profile files belong to one process. The lock is a file holding the
 * owner's pid; a lock whose process is gone (kill -9) is taken over.
 * Returns the function that releases it.
 */
export function lockDataDir(dataDir: string): () => void {
  const file = join(dataDir, 'server.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      held.add(file);
      return () => {
        if (!held.delete(file)) return;
        rmSync(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readFileSync(file, 'utf8').trim());
      if (isAlive(owner) && (owner !== process.pid || held.has(file))) {
        throw new Error(
          `another Ferry server (pid ${owner}) is using the data dir ${dataDir}: a data dir (and its SQLite database) belongs to one server. ` +
            'To run several nodes, give each its own --data-dir and share PostgreSQL (--database-url), Redis (--redis-url) and the object store (--blob-dir)',
        );
      }
      rmSync(file, { force: true });
    }
  }
  throw new Error(`could not lock the data dir ${dataDir}`);
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
