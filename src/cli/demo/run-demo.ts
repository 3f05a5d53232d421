import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Connection, fromDataDir } from '../client-config.js';
import { EXIT, type CliIo, type Output } from '../io.js';
import { JobView } from '../job-view.js';
import { printJson } from '../output.js';
import { ProgressBar, formatBytes } from '../progress.js';
import { createThing } from '../ops/things.js';
import { createPolicy, devicePolicy, testAuthorization } from '../ops/policies.js';
import { createBucket, uploadFile, type CopyProgress } from '../ops/objects.js';
import { createRole } from '../ops/roles.js';
import { allSucceeded, createJob } from '../ops/jobs.js';
import { watchJob, type WatchSnapshot } from '../ops/watch.js';
import { s3ObjectUrl } from '../arns.js';
import { agentPaths, logTail, startAgents, stopAgents, type RunningAgent } from './agents.js';
import { makeFirmware } from './firmware.js';
import { demoNames, type DemoNames } from './names.js';
import { startDemoServer } from './server.js';
import { verifyDownload, type Verification } from './verify.js';
import { printSummary, type DemoSummary } from './summary.js';

export interface DemoOptions {
  devices: number;
  /** Firmware size in bytes. */
  size: number;
  /** Use the server of this data dir instead of starting one. */
  dataDir?: string | undefined;
  /** Keep the temporary folder (kits, downloads, logs). */
  keep?: boolean | undefined;
  timeoutSec: number;
  intervalMs: number;
  expiresInSec: number;
  json?: boolean | undefined;
}

/** Parts small enough that the demo's firmware goes up as a multipart upload. */
const PART_SIZE = 5 * 1024 * 1024;

/**
 * `ferry demo`: DESIGN.md's story in one command, through the same code the
 * verbs use — a server (temporary unless --data-dir), the device policy,
 * things with kits, a policy check, the bucket and firmware, the job
 * document, the role and its alias, the job with presigned links — then real
 * `ferry agent` processes, the live job view, and every download checked
 * byte for byte. Whatever it started is stopped and removed at the end.
 */
export async function runDemo(io: CliIo, o: DemoOptions): Promise<number> {
  const out: Output = o.json ? io.stderr : io.stdout;
  const root = mkdtempSync(join(tmpdir(), 'ferry-demo-'));
  const started = Date.now();
  const stop = new AbortController();
  let stopReason: string | undefined;
  const halt = (why: string) => {
    stopReason ??= why;
    stop.abort();
  };
  const onSignal = (signal: string) => halt(`interrupted (${signal})`);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  io.signal?.addEventListener('abort', () => halt('interrupted'));
  const timeout = setTimeout(() => halt(`the job did not finish within ${o.timeoutSec} s`), o.timeoutSec * 1000);
  timeout.unref();

  let agents: RunningAgent[] = [];
  let conn: Connection | undefined;
  let ownServer: Awaited<ReturnType<typeof startDemoServer>> | undefined;
  try {
    const step = stepper(out);
    if (o.dataDir) {
      step(`Using the Ferry server of ${o.dataDir}`);
      conn = new Connection(fromDataDir(o.dataDir));
    } else {
      ownServer = await startDemoServer(root);
      step(`Started a Ferry server in ${ownServer.dataDir} (log: ${ownServer.logFile})`);
      conn = new Connection(fromDataDir(ownServer.dataDir));
    }
    const e = conn.info.endpoints;
    out.write(`      api ${e.iot}  s3 ${e.s3}  mqtt ${e.mqtt ?? '?'}\n`);
    const names = demoNames(o.devices, Boolean(o.dataDir));
    const account = await conn.accountId();

    step(`Device policy ${names.policy}: connect as ${names.clientPrefix}*, only its own Jobs topics, role alias ${names.roleAlias}`);
    await createPolicy(conn, names.policy, devicePolicy(conn.region, account, { roleAlias: names.roleAlias, clientPrefix: names.clientPrefix }));

    step(`${o.devices} thing(s), each with a certificate, the policy and a connection kit`);
    const devices = names.things.map((thingName) => ({ thingName, ...agentPaths(join(root, 'devices'), thingName) }));
    for (const d of devices) {
      const t = await createThing(conn, { name: d.thingName, policy: names.policy, kitDir: d.kitDir, roleAlias: names.roleAlias });
      out.write(`      ${t.thingName}  cert ${t.certificateId.slice(0, 12)}…  kit ${t.kitDir}\n`);
    }

    step('TestAuthorization: the policy lets a device be itself and nothing else');
    const first = names.things[0]!;
    for (const [clientId, action, resource] of [
      [first, 'connect', first],
      ['other', 'connect', 'other'],
      [first, 'subscribe', `$aws/things/${first}/jobs/notify-next`],
      [first, 'publish', `$aws/things/${names.things[1] ?? 'someone_else'}/jobs/start-next`],
    ] as const) {
      const answer = await testAuthorization(conn, { target: { thing: first }, clientId, action, resources: [resource] });
      const r = answer.results[0]!;
      out.write(`      ${r.decision.padEnd(13)} ${action} ${resource} as client ${clientId}\n`);
    }

    step(`Bucket ${names.bucket}; firmware ${names.firmwareKey} (${formatBytes(o.size)} of random bytes)`);
    await createBucket(conn, names.bucket);
    const firmware = makeFirmware(join(root, 'miso-1.0.0.bin'), o.size);
    const bar = progress(out, `      upload`);
    const uploaded = await uploadFile(conn, firmware.path, { bucket: names.bucket, key: names.firmwareKey }, { partSize: PART_SIZE, progress: bar });
    bar.finish();
    out.write(`      ${uploaded.multipart ? 'multipart upload' : 'upload'} done, ETag ${uploaded.etag}, SHA-256 ${firmware.sha256.slice(0, 16)}…\n`);

    step(`Job document s3://${names.bucket}/${names.documentKey} with a presigned-URL placeholder`);
    const document = jobDocument(names, firmware);
    const documentFile = join(root, 'firmware-1.0.0.json');
    writeFileSync(documentFile, `${JSON.stringify(document, null, 2)}\n`);
    await uploadFile(conn, documentFile, { bucket: names.bucket, key: names.documentKey });
    out.write(`      ${JSON.stringify(document)}\n`);

    step(`Role ${names.role} (trusts iot and credentials.iot, may read ${names.bucket}) and role alias ${names.roleAlias}`);
    const role = await createRole(conn, { name: names.role, trust: ['iot', 'credentials'], allowGet: [names.bucket], allowPut: [], alias: names.roleAlias });

    step(`Job ${names.job} for ${o.devices} thing(s); each download link signed as ${names.role}, valid ${o.expiresInSec} s`);
    await createJob(conn, {
      jobId: names.job,
      targets: names.things,
      document: { bucket: names.bucket, key: names.documentKey },
      presignRole: role.roleArn,
      expiresInSec: o.expiresInSec,
      description: 'ferry demo: firmware 1.0.0',
    });

    step(`Starting ${o.devices} device agent(s): ferry agent --kit KIT --dir FILES`);
    agents = startAgents(devices);
    // If every agent exits while the job runs, no one will finish it: stop watching.
    void Promise.all(agents.map((a) => a.exited)).then(() => halt('every agent exited before the job finished'));

    step('Watching the job');
    const view = new JobView(out);
    const last = await watchJob(conn, names.job, { intervalMs: o.intervalMs, signal: stop.signal, onSnapshot: (s) => view.show(s) });

    step('Checking every download against the original');
    const checks = new Map<string, Verification>();
    for (const d of devices) checks.set(d.thingName, await verifyDownload(d.filesDir, firmware));
    const summary: DemoSummary = {
      passed: last.finished && allSucceeded(last.counters) && [...checks.values()].every((c) => c.ok),
      seconds: (Date.now() - started) / 1000,
      server: ownServer ? 'temporary (stopped at the end)' : (o.dataDir ?? ''),
      job: names.job,
      jobStatus: last.job.status ?? 'UNKNOWN',
      firmware: { url: `s3://${names.bucket}/${names.firmwareKey}`, size: firmware.size, sha256: firmware.sha256 },
      stopped: last.interrupted ? stopReason : undefined,
      devices: devices.map((d) => deviceSummary(d.thingName, last, checks.get(d.thingName), d.logFile, o.keep ? undefined : root)),
      workDir: root,
      keptIn: o.keep ? root : undefined,
    };
    printSummary(out, summary);
    if (!summary.passed) for (const a of agents) if (!checks.get(a.thingName)?.ok) out.write(`\n--- ${a.thingName} agent log (last lines) ---\n${logTail(a.logFile)}\n`);
    if (o.json) printJson(io.stdout, summary);
    return summary.passed ? EXIT.ok : last.interrupted && stopReason?.startsWith('interrupted') ? 130 : EXIT.jobFailed;
  } finally {
    clearTimeout(timeout);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await stopAgents(agents);
    conn?.close();
    await ownServer?.server.close();
    if (!o.keep) rmSync(root, { recursive: true, force: true });
  }
}

function stepper(out: Output) {
  let n = 0;
  return (text: string) => out.write(`[${++n}] ${text}\n`);
}

function progress(out: Output, label: string): CopyProgress & { finish(): void } {
  let bar: ProgressBar | undefined;
  return {
    start: (total) => {
      bar = new ProgressBar(out, label, total);
    },
    update: (done) => bar?.update(done),
    finish: () => bar?.finish(),
  };
}

/**
 * DESIGN.md's job document: the download operation with the presigned-URL
 * placeholder; the checksum and size let the agent verify what it got.
 */
export function jobDocument(names: DemoNames, firmware: { size: number; sha256: string }) {
  return {
    operation: 'download',
    version: '1.0.0',
    url: `\${aws:iot:s3-presigned-url:${s3ObjectUrl(names.bucket, names.firmwareKey)}}`,
    sha256: firmware.sha256,
    size: firmware.size,
  };
}

/** One device's line; paths relative to the work folder when it is about to be removed. */
function deviceSummary(thingName: string, last: WatchSnapshot, check: Verification | undefined, logFile: string, removed: string | undefined) {
  const execution = last.executions.find((x) => x.thingName === thingName);
  return {
    thingName,
    status: execution?.status ?? 'UNKNOWN',
    details: execution?.details ?? {},
    file: check?.file && removed ? relative(removed, check.file) : check?.file,
    verified: check?.ok ?? false,
    logFile,
  };
}
