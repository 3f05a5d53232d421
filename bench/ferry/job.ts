/**
 * The job phase: one job for the whole fleet (its thing group) with a
 * presigned-URL document, timed from the CreateJob call to each device's
 * notify-next, download and SUCCEEDED.
 */
import { CreateJobCommand, DescribeJobCommand, ListJobsCommand, type IoTClient } from '@aws-sdk/client-iot';
import { now, sleep } from '../net.js';
import { summarize, type LatencySummary } from '../stats.js';
import { round } from '../fanout.js';
import type { Fleet } from '../fleet/pool.js';
import type { JobTiming } from '../fleet/device.js';
import type { BenchNames, Firmware, Setup } from './setup.js';

export interface JobSummary {
  jobId: string;
  devices: number;
  createJobMs: number;
  notified: number;
  /** CreateJob sent → notify-next arrived, per device. */
  notification: LatencySummary;
  succeeded: number;
  failed: number;
  errors: Record<string, number>;
  /** Jobs requests the devices sent again after InternalError / RequestThrottled, and downloads started again. */
  retries: { requests: number; downloads: number };
  /** CreateJob sent → the last device's update/accepted. */
  allSucceededSeconds: number;
  /** What DescribeJob says at the end. */
  serverSucceeded: number;
  download: { count: number; bytes: number; seconds: number; bytesPerSecond: number; latency: LatencySummary };
  /** CPU seconds the fleet workers spent in the job phase. */
  clientCpuSeconds: number;
  /** Notification latencies in ms (for the chart). */
  samples: number[];
}

/** Whether the server has the jobs API; the reason when it does not. */
export async function jobsApi(iot: IoTClient): Promise<{ available: true } | { available: false; reason: string }> {
  try {
    await iot.send(new ListJobsCommand({ maxResults: 1 }));
    return { available: true };
  } catch (error) {
    const e = error as Error & { $metadata?: { httpStatusCode?: number } };
    return { available: false, reason: `ListJobs failed (${e.$metadata?.httpStatusCode ?? '?'} ${e.name}: ${e.message}): the server has no jobs API yet` };
  }
}

export function jobDocument(names: BenchNames, firmware: Firmware): string {
  return JSON.stringify({
    operation: 'download',
    version: '1.0.0',
    url: `\${aws:iot:s3-presigned-url:https://s3.amazonaws.com/${names.bucket}/${names.firmwareKey}}`,
    sha256: firmware.sha256,
    size: firmware.bytes.length,
  });
}

export async function runJob(
  iot: IoTClient,
  fleet: Fleet,
  o: { names: BenchNames; setup: Setup; firmware: Firmware; s3Ca: string; downloadConcurrency: number; timeoutMs: number },
): Promise<JobSummary> {
  const size = o.firmware.bytes.length;
  await fleet.all(() => ({
    cmd: 'arm-job',
    sha256: o.firmware.sha256,
    size,
    s3Ca: o.s3Ca,
    downloadConcurrency: o.downloadConcurrency,
    requestTimeoutMs: Math.min(o.timeoutMs, 600_000),
    timeoutMs: o.timeoutMs,
  }));
  const t0 = now();
  await iot.send(
    new CreateJobCommand({
      jobId: o.names.jobId,
      targets: [o.setup.groupArn],
      targetSelection: 'SNAPSHOT',
      document: jobDocument(o.names, o.firmware),
      presignedUrlConfig: { roleArn: o.setup.roleArn, expiresInSec: 3600 },
      description: 'ferry bench: firmware to the whole fleet',
    }),
  );
  const createJobMs = now() - t0;
  const answers = await fleet.all(() => ({ cmd: 'collect-job' }));
  const timings = answers.flatMap((a) => a.timings);
  const serverSucceeded = await succeededOnServer(iot, o.names.jobId, timings.filter((t) => t.doneAt !== undefined).length);
  return { ...summarizeJob(o.names.jobId, t0, createJobMs, timings, serverSucceeded), clientCpuSeconds: round(answers.reduce((n, a) => n + a.cpuSeconds, 0)) };
}

/** DescribeJob's succeeded count, waiting a little for it to catch up with what the devices were told. */
async function succeededOnServer(iot: IoTClient, jobId: string, expected: number): Promise<number> {
  let count = 0;
  for (let attempt = 0; attempt < 20; attempt++) {
    const job = await iot.send(new DescribeJobCommand({ jobId }));
    count = job.job?.jobProcessDetails?.numberOfSucceededThings ?? 0;
    if (count >= expected) break;
    await sleep(250);
  }
  return count;
}

function summarizeJob(jobId: string, t0: number, createJobMs: number, timings: JobTiming[], serverSucceeded: number): Omit<JobSummary, 'clientCpuSeconds'> {
  const notified = timings.filter((t) => t.notifiedAt !== undefined);
  const done = timings.filter((t) => t.doneAt !== undefined);
  const downloads = timings.filter((t) => t.downloadEndedAt !== undefined);
  const errors: Record<string, number> = {};
  for (const t of timings) {
    const why = t.error ?? (t.notifiedAt === undefined ? 'not notified before the deadline' : t.doneAt === undefined ? 'not finished before the deadline' : undefined);
    if (why) errors[why] = (errors[why] ?? 0) + 1;
  }
  const bytes = downloads.reduce((n, t) => n + (t.bytes ?? 0), 0);
  const span = downloads.length ? (Math.max(...downloads.map((t) => t.downloadEndedAt!)) - Math.min(...downloads.map((t) => t.downloadStartedAt!))) / 1000 : NaN;
  const samples = notified.map((t) => t.notifiedAt! - t0);
  return {
    jobId,
    devices: timings.length,
    createJobMs: round(createJobMs, 1),
    notified: notified.length,
    notification: summarize(samples),
    succeeded: done.length,
    failed: timings.length - done.length,
    errors,
    retries: { requests: timings.reduce((n, t) => n + (t.requestRetries ?? 0), 0), downloads: timings.reduce((n, t) => n + (t.downloadRetries ?? 0), 0) },
    allSucceededSeconds: done.length ? round((Math.max(...done.map((t) => t.doneAt!)) - t0) / 1000) : NaN,
    serverSucceeded,
    download: {
      count: downloads.length,
      bytes,
      seconds: round(span),
      bytesPerSecond: Math.round(bytes / span),
      latency: summarize(downloads.map((t) => t.downloadEndedAt! - t.downloadStartedAt!)),
    },
    samples,
  };
}
