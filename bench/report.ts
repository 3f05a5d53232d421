/**
 * The run's report: report.json (every number), report.md (the tables the
 * README quotes) and latency.svg (the notification/fan-out CDF). A part that
 * could not run is `{ skipped: reason }` — never left out.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { latencyCdfSvg, type Series } from './chart.js';
import type { ControlPlaneSummary } from './control-plane.js';
import type { DownloadSummary } from './downloads.js';
import type { ConnectSummary, FanoutSummary } from './fanout.js';
import type { JobSummary } from './ferry/job.js';
import type { MachineFacts } from './machine.js';
import type { LatencySummary } from './stats.js';

export interface Skipped {
  skipped: string;
}
export type Maybe<T> = T | Skipped;
export const isSkipped = (v: unknown): v is Skipped => typeof v === 'object' && v !== null && 'skipped' in v;

export interface PhaseUsage {
  phase: string;
  wallSeconds: number;
  cpuSeconds: number;
  /** CPU seconds / wall seconds × 100 (100 = one core busy). */
  cpuPercent: number;
  rssEndBytes: number;
}

export type FanoutResult = Omit<FanoutSummary, 'samples'>;

export interface BenchReport {
  startedAt: string;
  finishedAt: string;
  command: string;
  options: Record<string, unknown>;
  machine: MachineFacts;
  server: { mode: 'child process' | 'endpoint'; pid: Maybe<number> };
  registration: { devices: number; seconds: number; devicesPerSecond: number; callsPerDevice: number; callsPerSecond: number; keygenSeconds: number };
  connect: ConnectSummary;
  memory: Maybe<{ rssBeforeBytes: number; rssAfterBytes: number; perDeviceBytes: number }>;
  job: Maybe<Omit<JobSummary, 'samples'>>;
  serverProcess: Maybe<{ cpuSeconds: number; peakRssBytes: number; phases: PhaseUsage[] }>;
  comparisons: {
    mqtt: { ferry: { connect: ConnectSummary; fanout: FanoutResult }; mosquitto: Maybe<{ connect: ConnectSummary; fanout: FanoutResult }>; fanoutRateRatio: Maybe<number>; connectRateRatio: Maybe<number> };
    files: { ferry: DownloadSummary; nginx: Maybe<DownloadSummary & { workers: string }>; throughputRatio: Maybe<number> };
    controlPlane: { ferry: ControlPlaneSummary; moto: Maybe<ControlPlaneSummary>; opsRatio: Maybe<number> };
  };
  targets: Target[];
  notes: string[];
}

export interface Target {
  target: string;
  measured: string;
  /** null = not measurable in this run (say why in `measured`). */
  met: boolean | null;
}

const MIB = 1024 * 1024;
const fmtBytes = (n: number) => (n >= 10 * MIB ? `${(n / MIB).toFixed(0)} MiB` : n >= MIB ? `${(n / MIB).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`);
const fmtRate = (bytesPerSecond: number) => `${(bytesPerSecond / MIB).toFixed(1)} MiB/s`;
const fmtLat = (l: LatencySummary) => `${l.p50Ms} / ${l.p95Ms} / ${l.p99Ms} / ${l.maxMs}`;
const ratio = (r: Maybe<number>) => (isSkipped(r) ? `skipped: ${r.skipped}` : `${r.toFixed(2)}×`);
const skippedOr = <T>(v: Maybe<T>, show: (t: T) => string) => (isSkipped(v) ? `skipped: ${v.skipped}` : show(v));

export function buildTargets(r: Omit<BenchReport, 'targets' | 'notes'>, firmwareSize: number): Target[] {
  const n = r.registration.devices;
  const job = r.job;
  const atScale = n >= 10_000 && firmwareSize >= MIB;
  const fleet: Target = isSkipped(job)
    ? { target: '10,000 devices, 1 MiB: all connected, notified, SUCCEEDED', measured: `job phase skipped: ${job.skipped}`, met: null }
    : {
        target: '10,000 devices, 1 MiB: all connected, notified, SUCCEEDED',
        measured: `${n} devices, ${fmtBytes(firmwareSize)}: ${r.connect.connected} connected, ${job.notified} notified, ${job.succeeded} SUCCEEDED`,
        met: r.connect.connected === n && job.notified === n && job.succeeded === n ? (atScale ? true : null) : false,
      };
  const p99: Target = isSkipped(job)
    ? { target: 'notification p99 < 2 s at 10,000 devices', measured: `job phase skipped: ${job.skipped}`, met: null }
    : { target: 'notification p99 < 2 s at 10,000 devices', measured: `p99 ${job.notification.p99Ms} ms at ${n} devices`, met: job.notification.p99Ms < 2000 ? (n >= 10_000 ? true : null) : false };
  const m = r.comparisons.mqtt;
  const fanout: Target = {
    target: 'broker fan-out rate ≥ 0.5× Mosquitto (goal 1×)',
    measured: isSkipped(m.fanoutRateRatio) ? `skipped: ${m.fanoutRateRatio.skipped}` : `${m.fanoutRateRatio.toFixed(2)}×`,
    met: isSkipped(m.fanoutRateRatio) ? null : m.fanoutRateRatio >= 0.5,
  };
  const f = r.comparisons.files;
  const files: Target = {
    target: 'download throughput ≥ 70 % of nginx (goal 90 %)',
    measured: isSkipped(f.throughputRatio) ? `skipped: ${f.throughputRatio.skipped}` : `${(f.throughputRatio * 100).toFixed(0)} %`,
    met: isSkipped(f.throughputRatio) ? null : f.throughputRatio >= 0.7,
  };
  const c = r.comparisons.controlPlane;
  const cp: Target = {
    target: 'control plane several (≥ 3) times moto’s ops/s',
    measured: isSkipped(c.opsRatio) ? `skipped: ${c.opsRatio.skipped}` : `${c.opsRatio.toFixed(2)}× (${c.ferry.sequence})`,
    met: isSkipped(c.opsRatio) ? null : c.opsRatio >= 3,
  };
  const mem: Target = isSkipped(r.memory)
    ? { target: '≤ 64 KB server memory per idle connected device', measured: `skipped: ${r.memory.skipped}`, met: null }
    : { target: '≤ 64 KB server memory per idle connected device', measured: `${(r.memory.perDeviceBytes / 1024).toFixed(1)} KiB`, met: r.memory.perDeviceBytes <= 64 * 1024 };
  return [fleet, p99, fanout, files, cp, mem];
}

function ferryTable(r: BenchReport): string[] {
  const rows: Array<[string, string]> = [
    ['devices registered (CreateThing, CreateCertificateFromCsr, AttachPolicy, AttachThingPrincipal, AddThingToThingGroup)', `${r.registration.devices} in ${r.registration.seconds} s (${r.registration.devicesPerSecond} devices/s, ${r.registration.callsPerSecond} calls/s)`],
    ['device keys + CSRs (EC P-256, in the fleet workers)', `${r.registration.keygenSeconds} s`],
    ['devices connected (mutual TLS, subscribed)', `${r.connect.connected}/${r.connect.devices} in ${r.connect.seconds} s (${r.connect.perSecond} connections/s)`],
    ['connect latency p50 / p95 / p99 / max (ms)', fmtLat(r.connect.latency)],
    ['server memory per connected device (RSS delta / N)', skippedOr(r.memory, (m) => `${(m.perDeviceBytes / 1024).toFixed(1)} KiB (${fmtBytes(m.rssBeforeBytes)} → ${fmtBytes(m.rssAfterBytes)})`)],
  ];
  const job = r.job;
  if (isSkipped(job)) rows.push(['job phase', `skipped: ${job.skipped}`]);
  else {
    rows.push(
      ['CreateJob latency (thing group of all devices, presigned-URL document)', `${job.createJobMs} ms`],
      ['notification CreateJob → notify-next p50 / p95 / p99 / max (ms)', `${fmtLat(job.notification)} (${job.notified}/${job.devices} notified)`],
      ['time until all executions SUCCEEDED', `${job.allSucceededSeconds} s (${job.succeeded}/${job.devices}; DescribeJob says ${job.serverSucceeded})`],
      ['aggregate download throughput (presigned GET, during the job)', `${fmtRate(job.download.bytesPerSecond)} (${job.download.count} × ${fmtBytes(job.download.count ? job.download.bytes / job.download.count : 0)} in ${job.download.seconds} s)`],
    );
  }
  rows.push(['server CPU seconds (whole run) / peak RSS', skippedOr(r.serverProcess, (s) => `${s.cpuSeconds} s / ${fmtBytes(s.peakRssBytes)}`)]);
  return ['| measure | Ferry |', '| --- | --- |', ...rows.map(([k, v]) => `| ${k} | ${v} |`)];
}

function comparisonTable(r: BenchReport): string[] {
  const m = r.comparisons.mqtt;
  const f = r.comparisons.files;
  const c = r.comparisons.controlPlane;
  const mosq = m.mosquitto;
  const ng = f.nginx;
  const moto = c.moto;
  const rows: Array<[string, string, string, string]> = [
    [
      `MQTT fan-out: ${m.ferry.fanout.messages} QoS 1 messages, one per device (messages/s; p50 / p99 ms)`,
      `${m.ferry.fanout.perSecond} msg/s; ${m.ferry.fanout.latency.p50Ms} / ${m.ferry.fanout.latency.p99Ms} (${m.ferry.fanout.received} received)`,
      skippedOr(mosq, (x) => `${x.fanout.perSecond} msg/s; ${x.fanout.latency.p50Ms} / ${x.fanout.latency.p99Ms} (${x.fanout.received} received)`),
      ratio(m.fanoutRateRatio),
    ],
    [
      `MQTT connect: ${m.ferry.connect.devices} mutual-TLS connections (connections/s)`,
      `${m.ferry.connect.perSecond}/s (${m.ferry.connect.connected} ok)`,
      skippedOr(mosq, (x) => `${x.connect.perSecond}/s (${x.connect.connected} ok)`),
      ratio(m.connectRateRatio),
    ],
    [
      `File serving: ${f.ferry.downloads} HTTPS downloads of ${fmtBytes(f.ferry.downloads ? f.ferry.bytes / Math.max(1, f.ferry.ok) : 0)} (throughput; p50 / p99 ms)`,
      `${fmtRate(f.ferry.bytesPerSecond)}; ${f.ferry.latency.p50Ms} / ${f.ferry.latency.p99Ms} (presigned GET, ${f.ferry.ok} ok)`,
      skippedOr(ng, (x) => `${fmtRate(x.bytesPerSecond)}; ${x.latency.p50Ms} / ${x.latency.p99Ms} (static file, ${x.workers} workers, ${x.ok} ok)`),
      ratio(f.throughputRatio),
    ],
    [
      `Control plane: ${c.ferry.iterations} × ${c.ferry.sequence}, ${c.ferry.concurrency} in flight (ops/s; p50 / p99 ms)`,
      `${c.ferry.opsPerSecond} ops/s; ${c.ferry.latency.p50Ms} / ${c.ferry.latency.p99Ms}${c.ferry.failed ? ` (${c.ferry.failed} failed)` : ''}`,
      skippedOr(moto, (x) => `${x.opsPerSecond} ops/s; ${x.latency.p50Ms} / ${x.latency.p99Ms}${x.failed ? ` (${x.failed} failed)` : ''}`),
      ratio(c.opsRatio),
    ],
  ];
  return ['| same clients, same run | Ferry | reference (Mosquitto / nginx / moto) | Ferry / reference |', '| --- | --- | --- | --- |', ...rows.map((row) => `| ${row.join(' | ')} |`)];
}

export function markdown(r: BenchReport): string {
  const lines = [
    `### ${r.registration.devices} devices, ${r.options.size} byte firmware — ${r.startedAt.slice(0, 10)}`,
    '',
    '```',
    r.command,
    '```',
    '',
    `Machine: ${r.machine.nproc} cores (${r.machine.cpuModel}), ${fmtBytes(r.machine.memTotalBytes)} RAM, Node ${r.machine.node}, Linux ${r.machine.kernel}; ${Object.values(r.machine.versions).join(', ')}.`,
    '',
    '```',
    r.machine.free,
    '```',
    '',
    ...ferryTable(r),
    '',
    ...comparisonTable(r),
    '',
    '| target (issue #10) | measured | met |',
    '| --- | --- | --- |',
    ...r.targets.map((t) => `| ${t.target} | ${t.measured} | ${t.met === null ? 'not measured at this scale' : t.met ? 'yes' : '**no**'} |`),
    '',
  ];
  if (!isSkipped(r.serverProcess)) {
    lines.push('| server by phase | wall s | CPU s | CPU % | RSS at end |', '| --- | --- | --- | --- | --- |');
    for (const p of r.serverProcess.phases) lines.push(`| ${p.phase} | ${p.wallSeconds} | ${p.cpuSeconds} | ${p.cpuPercent} | ${fmtBytes(p.rssEndBytes)} |`);
    lines.push('');
  }
  if (r.notes.length) lines.push('Notes:', '', ...r.notes.map((n) => `- ${n}`), '');
  return `${lines.join('\n')}\n`;
}

export function writeReport(out: string, report: BenchReport, series: Series[]): { json: string; md: string; svg: string } {
  mkdirSync(out, { recursive: true });
  const json = join(out, 'report.json');
  const md = join(out, 'report.md');
  const svg = join(out, 'latency.svg');
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(md, markdown(report));
  writeFileSync(svg, latencyCdfSvg(`Time to reach each of ${report.registration.devices} devices`, series));
  return { json, md, svg };
}
