/**
 * Control-plane throughput, the same against Ferry and moto_server: the real
 * @aws-sdk/client-iot runs one sequence per iteration — CreateThing, CreateJob
 * (one thing, inline document), DescribeJob — with a few iterations in flight.
 * Without a jobs API the sequence is CreateThing, DescribeThing.
 */
import { CreateJobCommand, CreateThingCommand, DescribeJobCommand, DescribeThingCommand, type IoTClient } from '@aws-sdk/client-iot';
import { now } from './net.js';
import { eachLimited, summarize, type LatencySummary } from './stats.js';
import { round } from './fanout.js';

export type Sequence = 'CreateThing/CreateJob/DescribeJob' | 'CreateThing/DescribeThing';

export interface ControlPlaneSummary {
  sequence: Sequence;
  iterations: number;
  concurrency: number;
  operations: number;
  failed: number;
  firstError?: string;
  seconds: number;
  opsPerSecond: number;
  latency: LatencySummary;
}

export async function runControlPlane(iot: IoTClient, opts: { prefix: string; iterations: number; concurrency: number; sequence: Sequence }): Promise<ControlPlaneSummary> {
  const latencies: number[] = [];
  let failed = 0;
  let firstError: string | undefined;
  const timed = async <T>(call: () => Promise<T>): Promise<T> => {
    const started = now();
    const result = await call();
    latencies.push(now() - started);
    return result;
  };
  const started = now();
  await eachLimited(Array.from({ length: opts.iterations }), opts.concurrency, async (_, i) => {
    const name = `${opts.prefix}${i}`;
    try {
      const thing = await timed(() => iot.send(new CreateThingCommand({ thingName: name })));
      if (opts.sequence === 'CreateThing/DescribeThing') {
        await timed(() => iot.send(new DescribeThingCommand({ thingName: name })));
        return;
      }
      await timed(() => iot.send(new CreateJobCommand({ jobId: name, targets: [thing.thingArn!], document: JSON.stringify({ operation: 'noop', n: i }) })));
      await timed(() => iot.send(new DescribeJobCommand({ jobId: name })));
    } catch (error) {
      failed += 1;
      firstError ??= `${(error as Error).name}: ${(error as Error).message}`;
    }
  });
  const seconds = (now() - started) / 1000;
  return {
    sequence: opts.sequence,
    iterations: opts.iterations,
    concurrency: opts.concurrency,
    operations: latencies.length,
    failed,
    ...(firstError ? { firstError } : {}),
    seconds: round(seconds),
    opsPerSecond: round(latencies.length / seconds),
    latency: summarize(latencies),
  };
}
