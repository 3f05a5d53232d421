/** The server's CPU and memory per phase of the run, read from /proc at each boundary. */
import { round } from './fanout.js';
import { now } from './net.js';
import { readProcesses, type ProcessReading } from './stats.js';
import type { PhaseUsage } from './report.js';
import type { PhaseWindow } from './profile.js';

/** CLOCK_MONOTONIC in µs: the clock V8 stamps CPU-profile samples with, in every process. */
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

export class PhaseClock {
  readonly phases: PhaseUsage[] = [];
  /** Each phase's span on the monotonic clock, to slice the server's CPU profile. */
  readonly windows: PhaseWindow[] = [];
  private current: { name: string; at: number; atUs: number; reading: ProcessReading | undefined } | undefined;
  first: ProcessReading | undefined;
  last: ProcessReading | undefined;

  /** `pids`: the server's processes (a cluster's nodes are read as one), or none when unknown. */
  constructor(
    private readonly pids: readonly number[],
    private readonly log: (line: string) => void,
  ) {
    this.first = this.read();
  }

  read(): ProcessReading | undefined {
    if (this.pids.length === 0) return undefined;
    const reading = readProcesses(this.pids);
    if (reading) this.last = reading;
    return reading;
  }

  /** Ends the current phase (if any) and starts `name`. */
  start(name: string): void {
    this.end();
    this.log(`▸ ${name}`);
    this.current = { name, at: now(), atUs: monotonicUs(), reading: this.read() };
  }

  end(): void {
    const c = this.current;
    if (!c) return;
    this.current = undefined;
    this.windows.push({ phase: c.name, startUs: c.atUs, endUs: monotonicUs() });
    const reading = this.read();
    const wall = (now() - c.at) / 1000;
    if (!reading || !c.reading) return;
    const cpu = reading.cpuSeconds - c.reading.cpuSeconds;
    this.phases.push({ phase: c.name, wallSeconds: round(wall), cpuSeconds: round(cpu), cpuPercent: Math.round((cpu / wall) * 100), rssEndBytes: reading.rssBytes });
  }
}
