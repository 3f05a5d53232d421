/**
 * `npm run bench -- [--devices N] [--size BYTES] [--out DIR] [--endpoint FILE] …`
 *
 * The fleet simulator and benchmark (issue #10): starts a Ferry server (or
 * uses --endpoint), registers N things, connects N simulated devices over
 * mutual TLS from worker processes, and lets one job with a presigned-URL
 * document run to SUCCEEDED on all of them — then, with the same clients in
 * the same run, compares Ferry with Mosquitto (MQTT fan-out), nginx (file
 * serving) and moto_server (control plane). Writes report.json, report.md and
 * latency.svg to --out; stops every process it started, also on error and
 * SIGINT.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { startedChildren, stopAll, stopChildrenOnSignals } from './children.js';
import { parseOptions, USAGE, type BenchOptions, type ReferenceName } from './options.js';
import { ferryRevision, machineFacts, watchMachineLoad } from './machine.js';
import { sleep } from './net.js';
import { PhaseClock } from './phases.js';
import { ferryClients, httpsAgent, iotClient, type Clients } from './ferry/clients.js';
import { BENCH_MQTT_LIMITS, fromEndpointsFile, startFerry, type FerryTarget } from './ferry/server.js';
import { balancerCapacity, startFerryCluster } from './ferry/cluster.js';
import { benchNames, makeFirmware, setUp, type BenchNames, type Firmware, type Setup } from './ferry/setup.js';
import { CALLS_PER_DEVICE, registerFleet } from './ferry/register.js';
import { jobsApi, runJob, type JobSummary } from './ferry/job.js';
import { Fleet } from './fleet/pool.js';
import { connectFleet, measureFanout, round, type ConnectSummary, type FanoutSummary } from './fanout.js';
import { runDownloads, type DownloadSummary } from './downloads.js';
import { runControlPlane, type ControlPlaneSummary, type Sequence } from './control-plane.js';
import { referenceTls, type ReferenceTls } from './references/tls.js';
import { mosquittoPath, startMosquitto } from './references/mosquitto.js';
import { NGINX_WORKERS, nginxPath, startNginx } from './references/nginx.js';
import { motoPath, startMoto } from './references/moto.js';
import { buildTargets, isSkipped, markdown, skippedParts, writeReport, type BenchReport, type Maybe } from './report.js';
import type { Series } from './chart.js';
import { readProfile, summarizeProfile, type PhaseWindow } from './profile.js';
import { heapDelta, heapMarkdown, takeSnapshot } from './heap.js';

const log = (line: string) => process.stdout.write(`${line}\n`);
/** --nodes: drops the cluster's database schema once every process has stopped. */
let dropSchema: (() => Promise<void>) | undefined;

interface Context {
  o: BenchOptions;
  ferry: FerryTarget;
  clients: Clients;
  names: BenchNames;
  firmware: Firmware;
  setup: Setup;
  fleet: Fleet;
  phases: PhaseClock;
  refTls: ReferenceTls;
  notes: string[];
}

/** Why a reference will not run, or its binary. */
function reference(name: ReferenceName, o: BenchOptions, find: () => string | undefined, install: string): { binary: string } | { skipped: string } {
  if (o.skip.includes(name)) return { skipped: `${name} skipped by --skip` };
  const binary = find();
  if (!binary) return { skipped: `${name} is not installed (${install})` };
  return { binary };
}

const range = (first: number, count: number) => Array.from({ length: count }, (_, i) => first + i);

async function registration(c: Context) {
  const { fleet, names } = c;
  c.phases.start(`device keys and CSRs (${c.o.devices}, in ${fleet.workers.length} workers)`);
  const keys = await fleet.all((w) => ({ cmd: 'keys', names: range(w.first, w.count).map(names.thing) }));
  const keygenSeconds = Math.max(...keys.map((k) => k.seconds));
  const devices = keys.flatMap((k, wi) => k.csrs.map((csr, i) => ({ thingName: names.thing(fleet.workers[wi]!.first + i), csr })));
  c.phases.start(`registration (${devices.length} devices × ${CALLS_PER_DEVICE} calls)`);
  const started = Date.now();
  let shown = 0;
  const certs = await registerFleet(c.clients, names, devices, {
    concurrency: c.o.registerConcurrency,
    progress: (done) => {
      if (done - shown >= 1000 || done === devices.length) {
        shown = done;
        log(`  registered ${done}/${devices.length}`);
      }
    },
  });
  const seconds = (Date.now() - started) / 1000;
  await fleet.all((w) => ({ cmd: 'certs', certs: certs.slice(w.first, w.first + w.count) }));
  return {
    devices: devices.length,
    seconds: round(seconds),
    devicesPerSecond: round(devices.length / seconds),
    callsPerDevice: CALLS_PER_DEVICE,
    callsPerSecond: round((devices.length * CALLS_PER_DEVICE) / seconds),
    keygenSeconds: round(keygenSeconds),
  };
}

const strip = (f: FanoutSummary) => {
  const { samples: _samples, ...rest } = f;
  return rest;
};

function topics(c: Context): string[] {
  return range(0, c.o.devices).map((i) => c.names.fanoutTopic(c.names.thing(i)));
}

function describeConnect(label: string, s: ConnectSummary): void {
  log(`  ${label}: ${s.connected}/${s.devices} connected in ${s.seconds} s (${s.perSecond}/s; ${s.retries} retried attempts)`);
  for (const [why, n] of Object.entries(s.errors)) log(`    ${n} failed: ${why}`);
}

/** The same fleet through Mosquitto first (Ferry idle), then disconnected; a failure skips the comparison with its reason. */
async function mosquittoPhase(c: Context, ref: { binary: string } | { skipped: string }): Promise<Maybe<{ connect: ConnectSummary; fanout: FanoutSummary }>> {
  if ('skipped' in ref) return ref;
  try {
    return await mosquittoRun(c, ref.binary);
  } catch (error) {
    await c.fleet.all(() => ({ cmd: 'disconnect' }));
    return { skipped: `mosquitto failed: ${(error as Error).message}` };
  }
}

async function mosquittoRun(c: Context, binary: string): Promise<{ connect: ConnectSummary; fanout: FanoutSummary }> {
  c.phases.start('Mosquitto: connect and fan-out (Ferry idle)');
  const dir = join(c.o.out, 'mosquitto');
  mkdirSync(dir, { recursive: true });
  const mosquitto = await startMosquitto(binary, dir, c.refTls);
  try {
    const connect = await connectFleet(c.fleet, mosquitto.url, c.refTls.clientCa, { window: c.o.connectWindow, timeoutMs: 120_000 });
    describeConnect('mosquitto', connect);
    const fanout = await measureFanout(
      c.fleet,
      { url: mosquitto.url, ca: c.refTls.clientCa, clientId: c.names.publisherClientId, ...c.setup.publisher },
      topics(c),
      c.o.timeoutSec * 1000,
    );
    log(`  mosquitto fan-out: ${fanout.received}/${fanout.messages} in ${fanout.seconds} s (${fanout.perSecond} msg/s), p99 ${fanout.latency.p99Ms} ms`);
    await c.fleet.all(() => ({ cmd: 'disconnect' }));
    return { connect, fanout };
  } finally {
    await mosquitto.child.stop();
  }
}

async function filesPhase(c: Context, nginx: { binary: string } | { skipped: string }) {
  c.phases.start(`downloads from Ferry (presigned GET, ${c.o.devices} × ${c.o.size} bytes)`);
  const url = await getSignedUrl(c.clients.s3, new GetObjectCommand({ Bucket: c.names.bucket, Key: c.names.firmwareKey }), { expiresIn: 3600 });
  const spec = { count: c.o.devices, concurrency: c.o.downloadConcurrency, sha256: c.firmware.sha256, size: c.firmware.bytes.length };
  const ferry = await runDownloads(c.fleet, { ...spec, url, ca: c.ferry.ca });
  log(`  Ferry: ${ferry.ok}/${ferry.downloads} in ${ferry.seconds} s (${(ferry.bytesPerSecond / 1048576).toFixed(1)} MiB/s)`);
  let reference: Maybe<DownloadSummary & { workers: string }>;
  if ('skipped' in nginx) reference = nginx;
  else {
    c.phases.start('downloads from nginx (Ferry idle)');
    const dir = join(c.o.out, 'nginx');
    mkdirSync(dir, { recursive: true });
    try {
      const server = await startNginx(nginx.binary, dir, c.refTls, { name: 'bench.bin', bytes: c.firmware.bytes });
      try {
        reference = { ...(await runDownloads(c.fleet, { ...spec, url: server.url, ca: c.refTls.clientCa })), workers: NGINX_WORKERS };
        log(`  nginx: ${reference.ok}/${reference.downloads} in ${reference.seconds} s (${(reference.bytesPerSecond / 1048576).toFixed(1)} MiB/s)`);
      } finally {
        await server.child.stop();
      }
    } catch (error) {
      reference = { skipped: `nginx failed: ${(error as Error).message}` };
    }
  }
  return { ferry, nginx: reference, throughputRatio: isSkipped(reference) ? reference : round(ferry.bytesPerSecond / reference.bytesPerSecond) };
}

async function controlPlanePhase(c: Context, moto: { binary: string } | { skipped: string }, sequence: Sequence) {
  const spec = { iterations: c.o.cpIterations, concurrency: c.o.cpConcurrency, sequence };
  c.phases.start(`control plane on Ferry (${spec.iterations} × ${sequence})`);
  const ferry = await runControlPlane(c.clients.iot, { ...spec, prefix: `cp-${c.names.runId}-` });
  log(`  Ferry: ${ferry.operations} ops in ${ferry.seconds} s (${ferry.opsPerSecond} ops/s)${ferry.firstError ? `; first error ${ferry.firstError}` : ''}`);
  let reference: Maybe<ControlPlaneSummary>;
  if ('skipped' in moto) reference = moto;
  else {
    c.phases.start('control plane on moto_server (Ferry idle)');
    const dir = join(c.o.out, 'moto');
    mkdirSync(dir, { recursive: true });
    try {
      const server = await startMoto(moto.binary, dir, c.refTls);
      const agent = httpsAgent(c.refTls.clientCa);
      const iot = iotClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' }, agent });
      try {
        reference = await runControlPlane(iot, { ...spec, prefix: `cp-${c.names.runId}-` });
        log(`  moto: ${reference.operations} ops in ${reference.seconds} s (${reference.opsPerSecond} ops/s)${reference.firstError ? `; first error ${reference.firstError}` : ''}`);
      } finally {
        iot.destroy();
        agent.destroy();
        await server.child.stop();
      }
    } catch (error) {
      reference = { skipped: `moto_server failed: ${(error as Error).message}` };
    }
  }
  return { ferry, moto: reference, opsRatio: isSkipped(reference) ? reference : round(ferry.opsPerSecond / reference.opsPerSecond) };
}

async function bench(o: BenchOptions): Promise<{ report: BenchReport; series: Series[]; windows: PhaseWindow[] }> {
  const startedAt = new Date().toISOString();
  const machineLoad = watchMachineLoad();
  const revision = ferryRevision(fileURLToPath(new URL('..', import.meta.url)));
  const notes: string[] = [];
  mkdirSync(join(o.out, 'logs'), { recursive: true });
  const refs = {
    mosquitto: reference('mosquitto', o, mosquittoPath, 'apt-get install -y mosquitto'),
    nginx: reference('nginx', o, nginxPath, 'apt-get install -y nginx'),
    moto: reference('moto', o, motoPath, 'pip install "moto[server]"'),
  };
  for (const [name, r] of Object.entries(refs)) if ('skipped' in r) log(`! ${name} comparison skipped: ${r.skipped}`);
  const machine = machineFacts({
    mosquitto: 'binary' in refs.mosquitto ? refs.mosquitto.binary : undefined,
    nginx: 'binary' in refs.nginx ? refs.nginx.binary : undefined,
    moto: 'binary' in refs.moto ? refs.moto.binary : undefined,
  });
  log(`machine: ${machine.nproc} cores, ${(machine.memTotalBytes / 2 ** 30).toFixed(1)} GiB, node ${machine.node}`);

  const cluster =
    o.nodes > 0
      ? await startFerryCluster({ nodes: o.nodes, dir: join(o.out, 'data'), logDir: join(o.out, 'logs'), databaseUrl: o.databaseUrl!, redisUrl: o.redisUrl, devices: o.devices })
      : undefined;
  if (cluster) dropSchema = cluster.dropSchema;
  const ferry: FerryTarget = cluster
    ? cluster
    : o.endpoint
    ? fromEndpointsFile(o.endpoint, o.serverPid)
    : await startFerry({
        dataDir: join(o.out, 'data'),
        logFile: join(o.out, 'logs', 'ferry-server.log'),
        cpuProfDir: o.cpuProf ? join(o.out, 'profile') : undefined,
        heapDir: o.heapSnapshots ? join(o.out, 'heap') : undefined,
      });
  log(`Ferry: ${cluster ? `${o.nodes} node process(es) behind HAProxy, pids ${cluster.pids.join(', ')}` : o.endpoint ? `running server of ${o.endpoint}` : `server child process pid ${ferry.pid}`}; mqtt ${ferry.endpoints.endpoints.mqtt}`);
  if (cluster) notes.push(`Ferry ran as ${o.nodes} node process(es) on PostgreSQL and Redis behind HAProxy (TCP, PROXY protocol v2${cluster.balancers > 1 ? `; ${cluster.balancers} HAProxy processes on the same ports (SO_REUSEPORT), as one process may hold at most ${balancerCapacity()} connections under this machine's open-file limit` : ''}), on the same cores as the fleet, HAProxy, PostgreSQL and Redis; server CPU and memory are the nodes' summed (HAProxy, PostgreSQL and Redis not counted).`);
  if (!o.endpoint) notes.push(`The bench runs Ferry with mqtt.publishesPerSecond ${BENCH_MQTT_LIMITS.publishesPerSecond} and mqtt.inboundBytesPerSecond ${BENCH_MQTT_LIMITS.inboundBytesPerSecond} (defaults 100 and 512 KiB, AWS IoT Core's per-connection limits): the fan-out publisher sends one message per device in a burst.`);
  if (ferry.pid === undefined) notes.push('The server is not the bench’s child and no --server-pid was given: its memory and CPU were not measured.');
  const phases = new PhaseClock(cluster ? cluster.pids : ferry.pid === undefined ? [] : [ferry.pid], log);
  const clients = ferryClients(ferry);
  try {
    phases.start('setup (policies, thing group, bucket, firmware, role)');
    const names = benchNames(randomBytes(3).toString('hex'));
    const firmware = makeFirmware(o.size);
    const setup = await setUp(ferry, clients, names, firmware);
    const jobs = await jobsApi(clients.iot);
    if (!jobs.available) log(`! job phase will be skipped: ${jobs.reason}`);
    const fleet = await Fleet.start(o.devices, o.workers, 4096);
    const refTls = await referenceTls(join(o.out, 'tls'), ferry);
    const c: Context = { o, ferry, clients, names, firmware, setup, fleet, phases, refTls, notes };

    const reg = await registration(c);
    log(`  registered ${reg.devices} in ${reg.seconds} s (${reg.devicesPerSecond}/s); keys took ${reg.keygenSeconds} s`);

    const mosquitto = await mosquittoPhase(c, refs.mosquitto);

    const heapDir = join(o.out, 'heap');
    const snapshot = async (when: string) => {
      if (!o.heapSnapshots || !ferry.child) return undefined;
      phases.start(`heap snapshot ${when} (GC pause)`);
      return takeSnapshot(ferry.child.pid, heapDir);
    };
    const rssBefore = phases.read()?.rssBytes;
    const heapBefore = await snapshot('before connecting');
    phases.start(`connect ${o.devices} devices to Ferry`);
    const connect = await connectFleet(fleet, ferry.endpoints.endpoints.mqtt, ferry.ca, { window: o.connectWindow, timeoutMs: 120_000 });
    describeConnect('Ferry', connect);
    phases.start('idle, connected (2 s)');
    await sleep(2_000);
    const rssAfter = phases.read()?.rssBytes;
    const heapAfter = await snapshot('after connecting');
    if (heapBefore && heapAfter) heapNote(o, notes, heapBefore, heapAfter, connect.connected, rssBefore !== undefined && rssAfter !== undefined ? (rssAfter - rssBefore) / connect.connected : undefined);
    const memory =
      rssBefore !== undefined && rssAfter !== undefined && connect.connected > 0
        ? { rssBeforeBytes: rssBefore, rssAfterBytes: rssAfter, perDeviceBytes: Math.round((rssAfter - rssBefore) / connect.connected) }
        : { skipped: connect.connected === 0 ? 'no device connected' : 'the server process is unknown (use --server-pid)' };

    phases.start('Ferry broker fan-out');
    const ferryFanout = await measureFanout(fleet, { url: ferry.endpoints.endpoints.mqtt, ca: ferry.ca, clientId: names.publisherClientId, ...setup.publisher }, topics(c), o.timeoutSec * 1000);
    log(`  Ferry fan-out: ${ferryFanout.received}/${ferryFanout.messages} in ${ferryFanout.seconds} s (${ferryFanout.perSecond} msg/s), p99 ${ferryFanout.latency.p99Ms} ms`);

    let job: Maybe<JobSummary>;
    if (!jobs.available) job = { skipped: jobs.reason };
    else {
      phases.start('job: CreateJob → notify-next → start-next → download → SUCCEEDED');
      try {
        job = await runJob(clients.iot, fleet, { names, setup, firmware, s3Ca: ferry.ca, downloadConcurrency: o.downloadConcurrency, timeoutMs: o.timeoutSec * 1000 });
        log(`  CreateJob ${job.createJobMs} ms; notified ${job.notified}/${job.devices}, p99 ${job.notification.p99Ms} ms; SUCCEEDED ${job.succeeded} in ${job.allSucceededSeconds} s; retried ${job.retries.requests} requests, ${job.retries.downloads} downloads`);
        for (const [why, n] of Object.entries(job.errors)) log(`    ${n}: ${why}`);
      } catch (error) {
        job = { skipped: `the job phase failed: ${(error as Error).message}` };
        log(`! ${job.skipped}`);
      }
    }
    phases.start('disconnect the fleet from Ferry');
    await fleet.all(() => ({ cmd: 'disconnect' }));

    const files = await filesPhase(c, refs.nginx);
    const sequence: Sequence = jobs.available ? 'CreateThing/CreateJob/DescribeJob' : 'CreateThing/DescribeThing';
    if (!jobs.available) notes.push(`Control plane compared on ${sequence}: ${jobs.reason}.`);
    const controlPlane = await controlPlanePhase(c, refs.moto, sequence);
    phases.end();
    await fleet.stop();

    const last = phases.read();
    const serverProcess = last && phases.first ? { cpuSeconds: round(last.cpuSeconds - phases.first.cpuSeconds), peakRssBytes: last.peakRssBytes, phases: phases.phases } : { skipped: 'the server process is unknown (use --server-pid)' };
    const mosq = mosquitto;
    const load = machineLoad();
    if ((load.loadAverageAtStart[0] ?? 0) > machine.nproc / 4) {
      notes.push(`Other work was running on this machine when the bench started (1-minute load average ${load.loadAverageAtStart[0]} on ${machine.nproc} cores): every number here is pessimistic.`);
    }
    const partial = {
      startedAt,
      finishedAt: new Date().toISOString(),
      command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
      options: { ...o },
      machine,
      machineLoad: load,
      revision,
      server: { mode: cluster ? (`${o.nodes} node(s) behind HAProxy` as const) : o.endpoint ? ('endpoint' as const) : ('child process' as const), pid: ferry.pid ?? { skipped: 'not known' } },
      registration: reg,
      connect,
      memory,
      job: isSkipped(job) ? job : (({ samples: _s, ...rest }) => rest)(job),
      serverProcess,
      comparisons: {
        mqtt: {
          ferry: { connect, fanout: strip(ferryFanout) },
          mosquitto: isSkipped(mosq) ? mosq : { connect: mosq.connect, fanout: strip(mosq.fanout) },
          fanoutRateRatio: isSkipped(mosq) ? mosq : round(ferryFanout.perSecond / mosq.fanout.perSecond),
          connectRateRatio: isSkipped(mosq) ? mosq : round(connect.perSecond / mosq.connect.perSecond),
        },
        files,
        controlPlane,
      },
    };
    const series: Series[] = [];
    if (!isSkipped(job)) series.push({ label: 'Ferry job notify-next', samplesMs: job.samples, color: '#1f77b4' });
    series.push({ label: 'Ferry broker fan-out', samplesMs: ferryFanout.samples, color: '#2ca02c' });
    if (!isSkipped(mosq)) series.push({ label: 'Mosquitto fan-out', samplesMs: mosq.fanout.samples, color: '#d62728' });
    return { report: { ...partial, targets: buildTargets(partial, o.size), notes, processes: [] }, series, windows: phases.windows };
  } finally {
    clients.close();
  }
}

/** Writes OUT/heap-summary.md from the two snapshots and notes it; the snapshots themselves go unless --keep. */
function heapNote(o: BenchOptions, notes: string[], before: string, after: string, devices: number, rssPerDevice: number | undefined): void {
  const summary = join(o.out, 'heap-summary.md');
  const delta = heapDelta(before, after, Math.max(1, devices));
  writeFileSync(summary, heapMarkdown(delta, rssPerDevice));
  notes.push(`Heap snapshots: ${(delta.jsBytesPerDevice / 1024).toFixed(1)} KiB of JavaScript heap per connected device; by constructor: ${summary}.`);
  log(`  heap: ${(delta.jsBytesPerDevice / 1024).toFixed(1)} KiB JS per device (${summary})`);
  if (!o.keep) for (const f of [before, after]) rmSync(f, { force: true });
}

/** Summarizes the server's CPU profile by phase into OUT/profile-summary.md and notes it in the report. */
function profileNote(o: BenchOptions, report: BenchReport, windows: PhaseWindow[]): void {
  const found = readProfile(join(o.out, 'profile'));
  if (!found) {
    report.notes.push(o.endpoint ? '--cpu-prof applies to a server the bench starts; none was written.' : 'The server wrote no CPU profile (did it exit cleanly?).');
    return;
  }
  const summary = join(o.out, 'profile-summary.md');
  writeFileSync(summary, summarizeProfile(found.profile, windows));
  // The phase spans on the profile's clock, to slice it again another way.
  writeFileSync(join(o.out, 'profile', 'phases.json'), `${JSON.stringify(windows, null, 2)}\n`);
  report.notes.push(`Server CPU profile: ${found.file}; by phase: ${summary}.`);
  log(`CPU profile summary: ${summary}`);
}

async function main(): Promise<number> {
  // `npm run bench -- console`: the web console's size and first render (bench/console.ts).
  if (process.argv[2] === 'console') return (await import('./console.js')).benchConsole(process.argv.slice(3));
  // `npm run bench -- versus --nodes N …`: one process, then N nodes, one table (bench/versus.ts).
  if (process.argv[2] === 'versus') return (await import('./versus.js')).benchVersus(process.argv.slice(3));
  let o: BenchOptions | 'help';
  try {
    o = parseOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (o === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const opts = o;
  // The data dir and the copies of the server's key are not results.
  const cleanUp = () => {
    if (!opts.keep) for (const dir of ['data', 'tls']) rmSync(join(opts.out, dir), { recursive: true, force: true });
  };
  const removeHandlers = stopChildrenOnSignals(log, cleanUp);
  try {
    const { report, series, windows } = await bench(o);
    // Stop the server before reading the report out: its CPU profile is written as it exits.
    await stopAll();
    if (o.cpuProf) profileNote(o, report, windows);
    report.processes = startedChildren();
    const files = writeReport(o.out, report, series);
    process.stdout.write(`\n${markdown(report)}`);
    const skipped = skippedParts(report);
    if (skipped.length) log(`Skipped:\n${skipped.map((s) => `  ${s.part}: ${s.reason}`).join('\n')}`);
    log(`report: ${files.json}\n        ${files.md}\n        ${files.svg}`);
    return 0;
  } catch (error) {
    process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  } finally {
    await stopAll();
    await dropSchema?.().catch((e: unknown) => log(`! dropping the bench's database schema failed: ${(e as Error).message}`));
    removeHandlers();
    cleanUp();
  }
}

// Exit explicitly: idle keep-alive sockets must not hold the run open.
process.exit(await main());
