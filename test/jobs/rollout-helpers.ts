import { CreatePolicyCommand, CreateThingCommand, DescribeJobCommand } from '@aws-sdk/client-iot';
import { startTestServer, type TestServer } from '../helpers/server.js';
import type { DeviceCredentials } from '../mqtt/helpers.js';
import { bothProtocolsPolicy, provisionNamedDevice } from '../api/iot-jobs-data/helpers.js';
import { iotAtClock, JobsDevice } from './helpers.js';

export const MINUTE = 60_000;

/** Moves the server's clock to `atMs` (it also runs on with real time, so a step is measured from now). */
export function advanceTo(ts: TestServer, atMs: number): void {
  const by = atMs - ts.clock.now();
  if (by > 0) ts.clock.advance(by);
}

/** One scheduler pass (timers, pacer steps) and every announcement it owes. */
export async function tick(ts: TestServer): Promise<void> {
  await ts.server.ctx.services.jobs.tick();
  await ts.server.ctx.services.jobs.settled();
}

export async function describeJob(ts: TestServer, jobId: string) {
  return (await iotAtClock(ts).send(new DescribeJobCommand({ jobId }))).job!;
}

/** The job's createdAt in epoch ms (the pacer's minutes count from it). */
export async function createdAtMs(ts: TestServer, jobId: string): Promise<number> {
  return Math.round((await describeJob(ts, jobId)).createdAt!.getTime());
}

/**
 * Things the rollout has reached, read from the store: nothing on AWS's wire
 * tells a notified QUEUED execution from one not yet rolled out (the devices
 * do: see the tests with real devices), so the large tables count here.
 */
export async function notifiedCount(ts: TestServer, jobId: string): Promise<number> {
  const row = await ts.server.ctx.store.db
    .selectFrom('job_executions')
    .select((eb) => eb.fn.count<string | number>('thing_name').distinct().as('n'))
    .where('job_id', '=', jobId)
    .where('notified_at', 'is not', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Things (no certificates) for tables too large to connect a device each. */
export async function createThings(ts: TestServer, names: string[]): Promise<void> {
  const iot = ts.iot();
  for (const thingName of names) await iot.send(new CreateThingCommand({ thingName }));
}

/** Devices for both protocols (MQTT client id and certificate CN = the thing name, `miso…`). */
export async function provisionFleet(ts: TestServer, names: string[], policy = 'miso-both'): Promise<Map<string, DeviceCredentials>> {
  const iot = ts.iot();
  await iot.send(new CreatePolicyCommand({ policyName: policy, policyDocument: bothProtocolsPolicy(ts) })).catch((e: Error) => {
    if (e.name !== 'ResourceAlreadyExistsException') throw e;
  });
  const out = new Map<string, DeviceCredentials>();
  for (const name of names) out.set(name, await provisionNamedDevice(iot, name, policy));
  return out;
}

export const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`);

/** A server whose scheduler runs only on the test's ticks, with devices provisioned for `thingNames`, connected on demand and closed with it. */
export async function fleetServer(engine: 'sqlite' | 'postgres', thingNames: string[]) {
  const ts = await startTestServer({ jobsTickMs: 3_600_000, engine });
  const fleet = await provisionFleet(ts, thingNames);
  const connected: JobsDevice[] = [];
  return {
    ts,
    fleet,
    async connect(names: string[]): Promise<JobsDevice[]> {
      const devices = await Promise.all(names.map((n) => JobsDevice.connect(ts, n, fleet.get(n)!)));
      connected.push(...devices);
      return devices;
    },
    async close(): Promise<void> {
      await Promise.all(connected.map((d) => d.end()));
      await ts.close();
    },
  };
}
