/**
 * `FERRY_TEST_PG_URL=… FERRY_TEST_REDIS_URL=… node --import tsx bench/start-next-contention.ts [DEVICES]`
 *
 * The jobs engine under a fleet's burst, without the network: three Ferry
 * nodes in this process on one PostgreSQL schema and Redis
 * (test/cluster/helpers.ts), one snapshot job for DEVICES things (default
 * 2,000), then every device's start-next and update SUCCEEDED at once, spread
 * over the three nodes. Prints the time taken, per-device latency and each
 * error with its count. Every execution change locks its job's row (the
 * counters live there), so a job's device requests run one at a time
 * cluster-wide; what waits behind them holds or waits for a pool connection.
 */
import { startTestCluster } from '../test/cluster/helpers.js';
import type { Principal } from '../src/iam/principal.js';

const devices = Number(process.argv[2] ?? 2000);
const cluster = await startTestCluster(3);
try {
  const [first] = cluster.nodes;
  const registry = first!.server.ctx.services.registry;
  const things = Array.from({ length: devices }, (_, i) => `contention_${i}`);
  await registry.thingGroups.create('contention', {});
  for (let i = 0; i < devices; i += 50) {
    await Promise.all(
      things.slice(i, i + 50).map(async (name) => {
        await registry.things.create({ name });
        await registry.thingGroups.addThing({ groupName: 'contention', thingName: name });
      }),
    );
  }
  const accountId = first!.endpoints.accountId;
  const root: Principal = { kind: 'root', arn: `arn:aws:iam::${accountId}:root`, accountId, accessKeyId: first!.credentials.accessKeyId };
  await first!.server.ctx.services.jobs.createJob(root, { jobId: 'contention', targets: [registry.arns.thingGroup('contention')], targetSelection: 'SNAPSHOT', document: '{"op":"x"}' });
  const errors = new Map<string, number>();
  const latencies: number[] = [];
  const t0 = Date.now();
  await Promise.all(
    things.map(async (thing, i) => {
      const jobs = cluster.nodes[i % cluster.nodes.length]!.server.ctx.services.jobs;
      const started = Date.now();
      try {
        await (await jobs.startNext(thing, {})).announce();
        await (await jobs.update(thing, 'contention', { status: 'SUCCEEDED' }, { includeJobDocument: false })).announce();
      } catch (error) {
        const key = `${(error as Error).name}: ${(error as Error).message}`;
        errors.set(key, (errors.get(key) ?? 0) + 1);
      }
      latencies.push(Date.now() - started);
    }),
  );
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * q))];
  process.stdout.write(`${JSON.stringify({ devices, seconds: (Date.now() - t0) / 1000, p50Ms: at(0.5), p99Ms: at(0.99), errors: Object.fromEntries(errors) }, null, 1)}\n`);
} finally {
  await cluster.close();
}
