/**
 * File serving, the same against every server: N downloads of one URL by the
 * fleet workers (a fresh TLS connection each, `concurrency` at a time per
 * worker), each body hashed and checked. Throughput = bytes / wall time.
 */
import { round } from './fanout.js';
import { summarize, type LatencySummary } from './stats.js';
import type { Fleet } from './fleet/pool.js';

export interface DownloadSummary {
  downloads: number;
  ok: number;
  failed: number;
  errors: Record<string, number>;
  /** Downloads started again after a failed attempt. */
  retries: number;
  bytes: number;
  seconds: number;
  bytesPerSecond: number;
  latency: LatencySummary;
  /** CPU seconds the fleet workers spent (TLS, hashing). */
  clientCpuSeconds: number;
}

export async function runDownloads(fleet: Fleet, o: { url: string; ca: string; count: number; concurrency: number; sha256: string; size: number }): Promise<DownloadSummary> {
  const answers = await fleet.all((w) => ({
    cmd: 'download',
    url: o.url,
    ca: o.ca,
    // Each worker downloads as many times as it has devices, so the total is N.
    count: Math.round((w.count / fleet.size) * o.count),
    concurrency: o.concurrency,
    sha256: o.sha256,
    size: o.size,
  }));
  const startedAt = Math.min(...answers.map((a) => a.startedAt));
  const endedAt = Math.max(...answers.map((a) => a.endedAt));
  const bytes = answers.reduce((n, a) => n + a.bytes, 0);
  const errors: Record<string, number> = {};
  for (const a of answers) for (const [k, v] of Object.entries(a.errors)) errors[k] = (errors[k] ?? 0) + v;
  const seconds = (endedAt - startedAt) / 1000;
  const ok = answers.reduce((n, a) => n + a.ok, 0);
  return {
    downloads: ok + answers.reduce((n, a) => n + a.failed, 0),
    ok,
    failed: answers.reduce((n, a) => n + a.failed, 0),
    errors,
    retries: answers.reduce((n, a) => n + a.retries, 0),
    bytes,
    seconds: round(seconds),
    bytesPerSecond: Math.round(bytes / seconds),
    latency: summarize(answers.flatMap((a) => a.durations)),
    clientCpuSeconds: round(answers.reduce((n, a) => n + a.cpuSeconds, 0)),
  };
}
