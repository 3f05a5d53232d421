import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { AdjustableClock } from '../../src/clock.js';
import { pgSkipReason, pgTestSchema } from '../helpers/postgres.js';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';
import type { ServerOptions } from '../../src/server/config.js';

export const REDIS_URL = process.env.FERRY_TEST_REDIS_URL;

let warned = false;
/** Cluster tests need PostgreSQL and Redis; the reason they skip, printed once. */
export function clusterSkipReason(): string | false {
  const pg = pgSkipReason();
  if (pg) return pg;
  if (REDIS_URL) return false;
  if (!warned) {
    warned = true;
    process.stdout.write('# cluster tests skipped: FERRY_TEST_REDIS_URL is not set (.ci/run sets it)\n');
  }
  return 'FERRY_TEST_REDIS_URL is not set';
}

export interface TestCluster {
  nodes: TestServer[];
  /** Every node's clock, moved together (each node still has its own). */
  advance(ms: number): void;
  kekFile: string;
  blobDir: string;
  pg: { url: string; schema: string };
  /** Starts one more node on the same database, Redis, KEK and blob dir. */
  addNode(extra?: Partial<ServerOptions>): Promise<TestServer>;
  close(): Promise<void>;
}

/**
 * Several Ferry nodes in this process, each with its own data dir, ports and
 * clock, sharing one PostgreSQL schema, Redis, key-encryption key and blob
 * directory: a cluster whose time the test controls node by node.
 */
export async function startTestCluster(count: number, extra: Partial<ServerOptions> = {}): Promise<TestCluster> {
  const pg = await pgTestSchema();
  const shared = tempDir('ferry-cluster-');
  const kekFile = join(shared, 'kek');
  const blobDir = join(shared, 'blobs');
  const nodes: TestServer[] = [];
  const options = (i: number): Partial<ServerOptions> & { pg: typeof pg; clock: AdjustableClock } => ({
    pg,
    clock: new AdjustableClock(),
    kekFile,
    blobDir,
    redisUrl: REDIS_URL!,
    nodeName: `node-${i + 1}`,
    ...extra,
  });
  const addNode = async (more: Partial<ServerOptions> = {}) => {
    const node = await startTestServer({ ...options(nodes.length), ...more });
    nodes.push(node);
    return node;
  };
  // The first initialises the database (and makes the KEK); the others join it.
  await addNode();
  for (let i = 1; i < count; i++) await addNode();
  return {
    nodes,
    kekFile,
    blobDir,
    pg,
    addNode,
    advance: (ms) => nodes.forEach((n) => n.clock.advance(ms)),
    close: async () => {
      for (const node of nodes) await node.close().catch(() => undefined);
      await pg.drop();
      rmSync(shared, { recursive: true, force: true });
    },
  };
}
