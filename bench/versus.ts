/**
 * `npm run bench -- versus --nodes N [bench options]`: the same fleet against one
 * process (SQLite) and then against N nodes behind HAProxy (PostgreSQL, Redis),
 * one after the other on the same machine, and one table of the two beside each
 * other and beside the references each run measured (Mosquitto, nginx).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseOptions, USAGE } from './options.js';
import { isSkipped, type BenchReport, type Maybe } from './report.js';

const RUN = fileURLToPath(new URL('./run.ts', import.meta.url));

/** argv without each of `--name VALUE` / `--name=VALUE` for the names given. */
export function withoutOptions(argv: readonly string[], names: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (names.some((n) => a === `--${n}`)) i++;
    else if (!names.some((n) => a.startsWith(`--${n}=`))) out.push(a);
  }
  return out;
}

function runBench(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', RUN, ...args], { stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const num = (v: number, digits = 1) => v.toLocaleString('en-US', { maximumFractionDigits: digits });
const ratio = (a: number, b: number) => (b > 0 ? `${num(a / b, 2)}×` : '–');
const ms = (v: number) => `${num(v / 1000, 2)} s`;
const mib = (bytesPerSecond: number) => bytesPerSecond / (1024 * 1024);

interface Row {
  measure: string;
  single: string;
  cluster: string;
  /** The cluster's figure over the single process's, where one ratio says it (rates, CPU). */
  versus: string;
}

type JobResult = Exclude<BenchReport['job'], { skipped: string }>;

function orSkipped<T>(value: Maybe<T>, show: (v: T) => string): string {
  return isSkipped(value) ? `skipped: ${value.skipped}` : show(value);
}

/** The side-by-side rows of two reports of the same fleet. */
export function versusRows(single: BenchReport, cluster: BenchReport): Row[] {
  const rows: Row[] = [];
  const add = (measure: string, s: string, c: string, versus: string) => rows.push({ measure, single: s, cluster: c, versus });
  add('1-minute load average at start / end', `${single.machineLoad.loadAverageAtStart[0]} / ${single.machineLoad.loadAverageAtEnd[0]}`, `${cluster.machineLoad.loadAverageAtStart[0]} / ${cluster.machineLoad.loadAverageAtEnd[0]}`, '');
  add('registration (5 calls per device), devices/s', num(single.registration.devicesPerSecond), num(cluster.registration.devicesPerSecond), ratio(cluster.registration.devicesPerSecond, single.registration.devicesPerSecond));
  const mq = (r: BenchReport) => r.comparisons.mqtt;
  const connect = (r: BenchReport) =>
    `${num(r.connect.perSecond)}/s, ${r.connect.connected}/${r.connect.devices}, p99 ${ms(r.connect.latency.p99Ms)} (Mosquitto ${orSkipped(mq(r).mosquitto, (m) => `${num(m.connect.perSecond)}/s: ${ratio(r.connect.perSecond, m.connect.perSecond)}`)})`;
  add('connect (mutual TLS, subscribed)', connect(single), connect(cluster), ratio(cluster.connect.perSecond, single.connect.perSecond));
  const fanout = (r: BenchReport) => {
    const f = mq(r).ferry.fanout;
    return `${num(f.perSecond, 0)} msg/s, p99 ${ms(f.latency.p99Ms)} (Mosquitto ${orSkipped(mq(r).mosquitto, (m) => `${num(m.fanout.perSecond, 0)} msg/s: ${ratio(f.perSecond, m.fanout.perSecond)}`)})`;
  };
  add(`broker fan-out, ${single.registration.devices} QoS 1 messages`, fanout(single), fanout(cluster), ratio(mq(cluster).ferry.fanout.perSecond, mq(single).ferry.fanout.perSecond));
  const jobRow = (measure: string, show: (j: JobResult) => string) => add(measure, orSkipped(single.job, show), orSkipped(cluster.job, show), '');
  jobRow('CreateJob latency', (j) => `${num(j.createJobMs, 0)} ms`);
  jobRow('CreateJob → notify-next p50 / p99', (j) => `${ms(j.notification.p50Ms)} / ${ms(j.notification.p99Ms)} (${j.notified} notified)`);
  jobRow('executions SUCCEEDED', (j) => `${j.succeeded}/${j.devices} in ${num(j.allSucceededSeconds)} s (Jobs requests retried ${j.retries.requests}, downloads ${j.retries.downloads})`);
  const files = (r: BenchReport) => {
    const f = r.comparisons.files;
    return `${num(mib(f.ferry.bytesPerSecond))} MiB/s, p99 ${ms(f.ferry.latency.p99Ms)} (nginx ${orSkipped(f.nginx, (n) => `${num(mib(n.bytesPerSecond))} MiB/s: ${ratio(f.ferry.bytesPerSecond, n.bytesPerSecond)}`)})`;
  };
  add('downloads, presigned GET (separate phase)', files(single), files(cluster), ratio(cluster.comparisons.files.ferry.bytesPerSecond, single.comparisons.files.ferry.bytesPerSecond));
  const cp = (r: BenchReport) => r.comparisons.controlPlane.ferry.opsPerSecond;
  add('control plane CreateThing/CreateJob/DescribeJob, ops/s', num(cp(single)), num(cp(cluster)), ratio(cp(cluster), cp(single)));
  const memory = (r: BenchReport) => orSkipped(r.memory, (m) => `${num(m.perDeviceBytes / 1024)} KiB`);
  add('server memory per connected device', memory(single), `${memory(cluster)} (the nodes' RSS summed)`, '');
  const cpu = (r: BenchReport) => orSkipped(r.serverProcess, (p) => num(p.cpuSeconds, 0));
  const [s, c] = [single.serverProcess, cluster.serverProcess];
  add('server CPU seconds, whole run', cpu(single), `${cpu(cluster)} (the nodes summed)`, isSkipped(s) || isSkipped(c) ? '' : ratio(c.cpuSeconds, s.cpuSeconds));
  return rows;
}

export function versusMarkdown(single: BenchReport, cluster: BenchReport, nodes: number, command: string): string {
  const lines = [
    `### One process against ${nodes} nodes — ${single.registration.devices} devices, ${single.startedAt.slice(0, 10)}`,
    '',
    '```',
    command,
    '```',
    '',
    `Ferry ${single.revision.commit}; ${single.machine.nproc} cores, Node ${single.machine.node}. The single process ran first, then the cluster, on the same machine, with the same fleet options; each run measured its own references.`,
    '',
    `| measure | one process (SQLite) | ${nodes} nodes (PostgreSQL + Redis, HAProxy) | ${nodes} nodes / one |`,
    '| --- | --- | --- | --- |',
    ...versusRows(single, cluster).map((r) => `| ${r.measure} | ${r.single} | ${r.cluster} | ${r.versus} |`),
    '',
  ];
  return lines.join('\n');
}

export async function benchVersus(argv: string[]): Promise<number> {
  let nodes: number;
  let out: string;
  try {
    const o = parseOptions(argv);
    if (o === 'help') {
      process.stdout.write(`npm run bench -- versus --nodes N [options]: one process, then N nodes, and one table.\n\n${USAGE}`);
      return 0;
    }
    if (o.nodes < 1) throw new Error('versus compares one process with a cluster: give --nodes N');
    nodes = o.nodes;
    out = o.out;
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const fleet = withoutOptions(argv, ['out', 'nodes']);
  const singleOut = join(out, 'single');
  const clusterOut = join(out, `nodes-${nodes}`);
  mkdirSync(out, { recursive: true });
  for (const [args, dir] of [
    [[...withoutOptions(fleet, ['database-url', 'redis-url']), '--out', singleOut], singleOut],
    [[...fleet, '--nodes', String(nodes), '--out', clusterOut], clusterOut],
  ] as const) {
    const code = await runBench([...args]);
    if (code !== 0) {
      process.stderr.write(`bench versus: the run into ${dir} exited ${code}\n`);
      return code;
    }
  }
  const read = (dir: string) => JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as BenchReport;
  const md = versusMarkdown(read(singleOut), read(clusterOut), nodes, `npm run bench -- versus ${argv.join(' ')}`.trim());
  writeFileSync(join(out, 'versus.md'), md);
  process.stdout.write(`\n${md}\nreport: ${join(out, 'versus.md')}\n`);
  return 0;
}
