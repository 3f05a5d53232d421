/**
 * A fleet worker process: holds a share of the simulated devices, so their
 * half of every TLS handshake and download runs outside the server's process
 * (as a real fleet's would). Driven over IPC by pool.ts: each request
 * `{ id, cmd, args }` gets `{ id, result }` or `{ id, error }`.
 */
import { createSecureContext, type SecureContext } from 'node:tls';
import { createCertificateSigningRequest, generateKeyPair } from '../../src/pki/index.js';
import { now } from '../net.js';
import { eachLimited } from '../stats.js';
import { Device, retryableDownload, type JobTiming } from './device.js';
import { download, Slots } from './download.js';
import type { Command, ConnectResult, DownloadBatchResult } from './protocol.js';
import { NETWORK_RETRY, withRetries } from './retry.js';

/** A refusal by the broker is final; a handshake or connection that failed is tried again, as a device would. */
const retryableConnect = (error: unknown) => !/refused|Not authorized|Bad username/i.test((error as Error).message);


interface Member {
  device: Device;
  privateKeyPem: string;
  certificatePem?: string;
  context?: SecureContext;
}

let members: Member[] = [];

async function makeKeys(names: string[]): Promise<{ csrs: string[]; seconds: number }> {
  const started = now();
  const csrs = new Array<string>(names.length);
  members = names.map((name) => ({ device: new Device(name), privateKeyPem: '' }));
  await eachLimited(members, 16, async (m, i) => {
    const pair = await generateKeyPair('ec');
    m.privateKeyPem = pair.privateKeyPem;
    csrs[i] = await createCertificateSigningRequest({ ...pair, commonName: m.device.thingName });
  });
  return { csrs, seconds: (now() - started) / 1000 };
}

/** One TLS context per device for this broker's CA, made before the clock starts: parsing keys is not connecting. */
function prepareTls(ca: string): void {
  for (const m of members) m.context = createSecureContext({ ca, cert: m.certificatePem, key: m.privateKeyPem });
}

const cpuSince = (start: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
};

async function connectAll(url: string, window: number, timeoutMs: number): Promise<ConnectResult> {
  const cpu = process.cpuUsage();
  const startedAt = now();
  const durations: number[] = [];
  const errors = new Map<string, number>();
  let retries = 0;
  await eachLimited(members, window, async (m) => {
    const started = now();
    try {
      await withRetries(NETWORK_RETRY, () => m.device.connect(url, m.context!, timeoutMs), retryableConnect, () => (retries += 1));
      // From the first attempt: what the device waited, retries included.
      durations.push(now() - started);
    } catch (error) {
      const key = (error as Error).message;
      errors.set(key, (errors.get(key) ?? 0) + 1);
    }
  });
  return { startedAt, endedAt: now(), connected: durations.length, failed: members.length - durations.length, errors: Object.fromEntries(errors), retries, durations, cpuSeconds: cpuSince(cpu) };
}

/** Resolves once every device settled (or the deadline passed). */
function waitAll(arm: (device: Device, settled: () => void) => void, timeoutMs: number): Promise<void> {
  let left = members.length;
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    if (left === 0) resolve();
    for (const m of members) {
      let once = false;
      arm(m.device, () => {
        if (once) return;
        once = true;
        left -= 1;
        if (left === 0) {
          clearTimeout(timer);
          resolve();
        }
      });
    }
  });
}

let fanoutDone: Promise<void> | undefined;
let jobDone: Promise<void> | undefined;
let jobCpu: NodeJS.CpuUsage | undefined;

async function downloadBatch(args: { url: string; ca: string; count: number; concurrency: number; sha256: string; size: number }): Promise<DownloadBatchResult> {
  const cpu = process.cpuUsage();
  const startedAt = now();
  const durations: number[] = [];
  const errors = new Map<string, number>();
  let bytes = 0;
  let retries = 0;
  const secureContext = createSecureContext({ ca: args.ca });
  await eachLimited(Array.from({ length: args.count }), args.concurrency, async () => {
    try {
      const got = await withRetries(NETWORK_RETRY, () => download(args.url, args, { secureContext }), retryableDownload, () => (retries += 1));
      bytes += got.bytes;
      durations.push(got.endedAt - got.startedAt);
    } catch (error) {
      const key = (error as Error).message;
      errors.set(key, (errors.get(key) ?? 0) + 1);
    }
  });
  return { startedAt, endedAt: now(), ok: durations.length, failed: args.count - durations.length, errors: Object.fromEntries(errors), retries, bytes, durations, cpuSeconds: cpuSince(cpu) };
}

async function handle(command: Command): Promise<unknown> {
  switch (command.cmd) {
    case 'keys':
      return makeKeys(command.names);
    case 'certs':
      command.certs.forEach((pem, i) => {
        members[i]!.certificatePem = pem;
      });
      return { count: members.length };
    case 'prepare-tls':
      prepareTls(command.ca);
      return { count: members.length };
    case 'connect':
      return connectAll(command.url, command.window, command.timeoutMs);
    case 'arm-fanout':
      fanoutDone = waitAll((d, settled) => d.armFanout(settled), command.timeoutMs);
      return { armed: members.length };
    case 'collect-fanout':
      await fanoutDone;
      return { times: members.map((m) => m.device.fanoutAt ?? null) };
    case 'arm-job': {
      const slots = new Slots(command.downloadConcurrency);
      const expect = { sha256: command.sha256, size: command.size, s3Tls: { ca: command.s3Ca }, slots, requestTimeoutMs: command.requestTimeoutMs };
      jobCpu = process.cpuUsage();
      jobDone = waitAll((d, settled) => d.armJob(expect, settled), command.timeoutMs);
      return { armed: members.length };
    }
    case 'collect-job':
      await jobDone;
      return { timings: members.map((m) => m.device.job ?? ({} as JobTiming)), cpuSeconds: jobCpu ? cpuSince(jobCpu) : 0 };
    case 'disconnect':
      await eachLimited(members, 200, (m) => m.device.disconnect());
      return { closed: members.length };
    case 'download':
      return downloadBatch(command);
  }
}

process.on('message', (message: { id: number } & Command) => {
  handle(message).then(
    (result) => process.send?.({ id: message.id, result }),
    (error: unknown) => process.send?.({ id: message.id, error: (error as Error).stack ?? String(error) }),
  );
});
// The bench is gone (finished, interrupted or killed): so is this worker.
process.on('disconnect', () => process.exit(0));
process.send?.({ ready: true });
