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
import type { MachineFacts, MachineLoad } from './machine.js';
import type { LatencySummary } from './stats.js';

export interface Skipped {
  skipped: string;
}
export type Maybe<T> = T | Skipped;
export const isSkipped = (v: unknown): v is Skipped => typeof v === 'object' && v !== null && 'skipped' in v;

/** Every skipped part of a report with its reason (the bench prints them all: nothing is skipped silently). */
export function skippedParts(value: unknown, path = ''): Array<{ part: string; reason: string }> {
  if (typeof value !== 'object' || value === null) return [];
  if (isSkipped(value)) return [{ part: path, reason: value.skipped }];
  return Object.entries(value).flatMap(([k, v]) => skippedParts(v, path ? `${path}.${k}` : k));
}

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
  machineLoad: MachineLoad;
  /** The Ferry commit measured (when the bench started the server from this checkout). */
  revision: { commit: string; uncommittedSourceFiles: string[] };
  server: { mode: 'child process' | 'endpoint' | `${number} node(s) behind HAProxy`; pid: Maybe<number> };
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
  /** Every process the bench started (all stopped before the report was written). */
  processes: Array<{ name: string; pid: number }>;
}

/** 'not at this scale': the target is stated for 10,000 devices; 'skipped': a part did not run (why in `measured`). */
export type Verdict = 'yes' | 'no' | 'not at this scale' | 'skipped';

export interface Target {
  target: string;
  measured: string;
  met: Verdict;
}

const MIB = 1024 * 1024;
const fmtBytes = (n: number) => (n >= 10 * MIB ? `${(n / MIB).toFixed(0)} MiB` : n >= MIB ? `${(n / MIB).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`);
const fmtRate = (bytesPerSecond: number) => `${(bytesPerSecond / MIB).toFixed(1)} MiB/s`;
const fmtLat = (l: LatencySummary) => `${l.p50Ms} / ${l.p95Ms} / ${l.p99Ms} / ${l.maxMs}`;
const ratio = (r: Maybe<number>) => (isSkipped(r) ? `skipped: ${r.skipped}` : `${r.toFixed(2)}×`);
const skippedOr = <T>(v: Maybe<T>, show: (t: T) => string) => (isSkipped(v) ? `skipped: ${v.skipped}` : show(v));

const verdict = (ok: boolean): Verdict => (ok ? 'yes' : 'no');

/** A target checked against a ratio that may be skipped. */
function ratioTarget(target: string, r: Maybe<number>, show: (v: number) => string, ok: (v: number) => boolean): Target {
  return isSkipped(r) ? { target, measured: `skipped: ${r.skipped}`, met: 'skipped' } : { target, measured: show(r), met: verdict(ok(r)) };
}

export function buildTargets(r: Omit<BenchReport, 'targets' | 'notes' | 'processes'>, firmwareSize: number): Target[] {
  const n = r.registration.devices;
  const job = r.job;
  const atScale = n >= 10_000 && firmwareSize >= MIB;
  const fleetTarget = '10,000 devices, 1 MiB: all connected, notified, SUCCEEDED';
  const p99Target = 'notification p99 < 2 s at 10,000 devices';
  const jobTargets: Target[] = isSkipped(job)
    ? [fleetTarget, p99Target].map((target) => ({ target, measured: `job phase skipped: ${job.skipped}`, met: 'skipped' as const }))
    : [
        {
          target: fleetTarget,
          measured: `${n} devices, ${fmtBytes(firmwareSize)}: ${r.connect.connected} connected, ${job.notified} notified, ${job.succeeded} SUCCEEDED`,
          met: r.connect.connected === n && job.notified === n && job.succeeded === n ? (atScale ? 'yes' : 'not at this scale') : 'no',
        },
        { target: p99Target, measured: `p99 ${job.notification.p99Ms} ms at ${n} devices`, met: job.notification.p99Ms < 2000 ? (n >= 10_000 ? 'yes' : 'not at this scale') : 'no' },
      ];
  const c = r.comparisons.controlPlane;
  const memTarget = '≤ 64 KB server memory per idle connected device';
  return [
    ...jobTargets,
    ratioTarget('broker fan-out rate ≥ 0.5× Mosquitto (goal 1×)', r.comparisons.mqtt.fanoutRateRatio, (v) => `${v.toFixed(2)}×`, (v) => v >= 0.5),
    ratioTarget('download throughput ≥ 70 % of nginx (goal 90 %)', r.comparisons.files.throughputRatio, (v) => `${(v * 100).toFixed(0)} %`, (v) => v >= 0.7),
    ratioTarget('control plane several (≥ 3) times moto’s ops/s', c.opsRatio, (v) => `${v.toFixed(2)}× (${c.ferry.sequence})`, (v) => v >= 3),
    isSkipped(r.memory)
      ? { target: memTarget, measured: `skipped: ${r.memory.skipped}`, met: 'skipped' }
      : { target: memTarget, measured: `${(r.memory.perDeviceBytes / 1024).toFixed(1)} KiB`, met: verdict(r.memory.perDeviceBytes <= 64 * 1024) },
  ];
}

function ferryTable(r: BenchReport): string[] {
  const rows: Array<[string, string]> = [
    ['devices registered (CreateThing, CreateCertificateFromCsr, AttachPolicy, AttachThingPrincipal, AddThingToThingGroup)', `${r.registration.devices} in ${r.registration.seconds} s (${r.registration.devicesPerSecond} devices/s, ${r.registration.callsPerSecond} calls/s)`],
    ['device keys + CSRs (EC P-256, in the fleet workers)', `${r.registration.keygenSeconds} s`],
    ['devices connected (mutual TLS, subscribed)', `${r.connect.connected}/${r.connect.devices} in ${r.connect.seconds} s (${r.connect.perSecond} connections/s; ${r.connect.retries ?? 0} retried attempts; fleet workers used ${r.connect.clientCpuSeconds} CPU s)`],
    ['connect latency p50 / p95 / p99 / max (ms)', fmtLat(r.connect.latency)],
    ['server memory per connected device (RSS delta / N)', skippedOr(r.memory, (m) => `${(m.perDeviceBytes / 1024).toFixed(1)} KiB (${fmtBytes(m.rssBeforeBytes)} → ${fmtBytes(m.rssAfterBytes)})`)],
  ];
  const job = r.job;
  if (isSkipped(job)) rows.push(['job phase', `skipped: ${job.skipped}`]);
  else {
    rows.push(
      ['CreateJob latency (thing group of all devices, presigned-URL document)', `${job.createJobMs} ms`],
      ['notification CreateJob → notify-next p50 / p95 / p99 / max (ms)', `${fmtLat(job.notification)} (${job.notified}/${job.devices} notified)`],
      ['time until all executions SUCCEEDED', `${job.allSucceededSeconds} s (${job.succeeded}/${job.devices}; DescribeJob says ${job.serverSucceeded}; devices retried ${job.retries?.requests ?? 0} Jobs requests and ${job.retries?.downloads ?? 0} downloads)`],
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
      `${m.ferry.connect.perSecond}/s (${m.ferry.connect.connected} ok, ${m.ferry.connect.retries ?? 0} retried)`,
      skippedOr(mosq, (x) => `${x.connect.perSecond}/s (${x.connect.connected} ok, ${x.connect.retries ?? 0} retried)`),
      ratio(m.connectRateRatio),
    ],
    [
      `File serving: ${f.ferry.downloads} HTTPS downloads of ${fmtBytes(f.ferry.downloads ? f.ferry.bytes / Math.max(1, f.ferry.ok) : 0)} (throughput; p50 / p99 ms)`,
      `${fmtRate(f.ferry.bytesPerSecond)}; ${f.ferry.latency.p50Ms} / ${f.ferry.latency.p99Ms} (presigned GET, ${f.ferry.ok} ok, ${f.ferry.retries ?? 0} retried)`,
      skippedOr(ng, (x) => `${fmtRate(x.bytesPerSecond)}; ${x.latency.p50Ms} / ${x.latency.p99Ms} (static file, ${x.workers} workers, ${x.ok} ok, ${x.retries ?? 0} retried)`),
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
    `Ferry ${r.revision.commit}${r.revision.uncommittedSourceFiles.length ? ` with ${r.revision.uncommittedSourceFiles.length} uncommitted source file(s)` : ''}; server: ${r.server.mode}.`,
    '',
    `Load: 1-minute load average ${r.machineLoad.loadAverageAtStart[0]} at the start, ${r.machineLoad.loadAverageAtEnd[0]} at the end; all cores ${r.machineLoad.busyPercent} % busy over the run (steal ${r.machineLoad.stealPercent} %).`,
    '',
    ...ferryTable(r),
    '',
    ...comparisonTable(r),
    '',
    '| target (issue #10) | measured | met |',
    '| --- | --- | --- |',
    ...r.targets.map((t) => `| ${t.target} | ${t.measured} | ${t.met === 'no' ? '**no**' : t.met} |`),
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
  // The raw latencies behind the chart, to draw it again another way.
  writeFileSync(join(out, 'latency-samples.json'), `${JSON.stringify(series.map((s) => ({ label: s.label, samplesMs: s.samplesMs.map((v) => Math.round(v * 10) / 10) })))}\n`);
  return { json, md, svg };
}
