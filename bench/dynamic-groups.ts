/**
 * `node --import tsx bench/dynamic-groups.ts [--things N] [--groups G] [--updates U] [--out DIR] [--cpu-prof]`
 *
 * Dynamic thing groups at fleet scale (issue 18), measured, not asserted:
 * starts a Ferry server, creates N things (attribute `ring` = one of G
 * values) and G dynamic groups (`attributes.ring:rK`), waits for every group
 * to be ACTIVE (the whole-fleet evaluation), then moves U things from one
 * ring to another and reports the time from each UpdateThing to its new
 * membership being visible (ListThingGroupsForThing), and the UpdateThing
 * rate sustained. Writes dynamic-groups.json to --out; with --cpu-prof, the
 * server's V8 CPU profile into OUT/profile (bench/summarize-profile.ts reads it).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { CreateDynamicThingGroupCommand, CreateThingCommand, DescribeThingGroupCommand, ListThingGroupsForThingCommand, UpdateThingCommand } from '@aws-sdk/client-iot';
import { stopAll } from './children.js';
import { ferryClients } from './ferry/clients.js';
import { startFerry } from './ferry/server.js';
import { sleep } from './net.js';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}

const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function main(): Promise<void> {
  const things = option('things', 10_000);
  const groups = option('groups', 50);
  const updates = option('updates', 500);
  const outIndex = process.argv.indexOf('--out');
  const out = outIndex >= 0 ? process.argv[outIndex + 1]! : join(tmpdir(), 'ferry-bench-dynamic-groups');
  const dataDir = join(out, 'data');
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const cpuProfDir = process.argv.includes('--cpu-prof') ? join(out, 'profile') : undefined;
  if (cpuProfDir) rmSync(cpuProfDir, { recursive: true, force: true });
  const target = await startFerry({ dataDir, logFile: join(out, 'server.log'), cpuProfDir });
  const { iot, close } = ferryClients(target);
  try {
    // Phase windows on the clock V8 stamps profile samples with (bench/profile.ts slices by them).
    const windows: Array<{ phase: string; startUs: number; endUs: number }> = [];
    const phase = async (name: string, work: () => Promise<void>) => {
      const startUs = monotonicUs();
      await work();
      windows.push({ phase: name, startUs, endUs: monotonicUs() });
    };
    const names = Array.from({ length: things }, (_, i) => `dev-${String(i).padStart(6, '0')}`);
    const ring = (i: number) => `r${i % groups}`;
    let t0 = performance.now();
    await phase('create things', () => pool(names, 16, (name) => iot.send(new CreateThingCommand({ thingName: name, attributePayload: { attributes: { ring: ring(Number(name.slice(4))) } } })).then(() => undefined)));
    const createSeconds = (performance.now() - t0) / 1000;
    t0 = performance.now();
    await phase('build groups', async () => {
      for (let g = 0; g < groups; g++) await iot.send(new CreateDynamicThingGroupCommand({ thingGroupName: `ring-${g}`, queryString: `attributes.ring:r${g}` }));
      for (let g = 0; g < groups; g++) {
        while ((await iot.send(new DescribeThingGroupCommand({ thingGroupName: `ring-${g}` }))).status !== 'ACTIVE') await sleep(100);
      }
    });
    const buildSeconds = (performance.now() - t0) / 1000;
    const latencies: number[] = [];
    const moved = names.slice(0, updates);
    t0 = performance.now();
    await phase('update things', () => pool(moved, 8, async (name) => {
      const i = Number(name.slice(4));
      const target = (i + 1) % groups;
      const start = performance.now();
      await iot.send(new UpdateThingCommand({ thingName: name, attributePayload: { attributes: { ring: `r${target}` }, merge: true } }));
      for (;;) {
        const page = await iot.send(new ListThingGroupsForThingCommand({ thingName: name }));
        if (page.thingGroups?.some((g) => g.groupName === `ring-${target}`)) break;
        await sleep(5);
      }
      latencies.push(performance.now() - start);
    }));
    const updateSeconds = (performance.now() - t0) / 1000;
    latencies.sort((a, b) => a - b);
    const report = {
      things,
      dynamicGroups: groups,
      updates,
      createThingsPerSecond: Math.round(things / createSeconds),
      wholeFleetEvaluationSeconds: Number(buildSeconds.toFixed(1)),
      updateThingPerSecond: Math.round(updates / updateSeconds),
      attributeChangeToMembershipMs: { p50: Math.round(percentile(latencies, 50)), p99: Math.round(percentile(latencies, 99)), max: Math.round(latencies[latencies.length - 1]!) },
    };
    writeFileSync(join(out, 'dynamic-groups.json'), JSON.stringify(report, null, 2));
    if (cpuProfDir) {
      mkdirSync(cpuProfDir, { recursive: true });
      writeFileSync(join(cpuProfDir, 'phases.json'), JSON.stringify(windows));
    }
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    close();
    await stopAll();
  }
}

await main();
