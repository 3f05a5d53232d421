/** The server's CPU and memory per phase of the run, read from /proc at each boundary. */
import { round } from './fanout.js';
import { now } from './net.js';
import { readProcess, type ProcessReading } from './stats.js';
import type { PhaseUsage } from './report.js';

export class PhaseClock {
  readonly phases: PhaseUsage[] = [];
  private current: { name: string; at: number; reading: ProcessReading | undefined } | undefined;
  first: ProcessReading | undefined;
  last: ProcessReading | undefined;

  constructor(
    private readonly pid: number | undefined,
    private readonly log: (line: string) => void,
  ) {
    this.first = this.read();
  }

  read(): ProcessReading | undefined {
    if (this.pid === undefined) return undefined;
    const reading = readProcess(this.pid);
    if (reading) this.last = reading;
    return reading;
  }

  /** Ends the current phase (if any) and starts `name`. */
  start(name: string): void {
    this.end();
    this.log(`▸ ${name}`);
    this.current = { name, at: now(), reading: this.read() };
  }

  end(): void {
    const c = this.current;
    if (!c) return;
    this.current = undefined;
    const reading = this.read();
    const wall = (now() - c.at) / 1000;
    if (!reading || !c.reading) return;
    const cpu = reading.cpuSeconds - c.reading.cpuSeconds;
    this.phases.push({ phase: c.name, wallSeconds: round(wall), cpuSeconds: round(cpu), cpuPercent: Math.round((cpu / wall) * 100), rssEndBytes: reading.rssBytes });
  }
}
