import type { Output } from './io.js';
import { bar } from './progress.js';
import { finishedOf, totalOf, type Counters } from './ops/jobs.js';
import { rolloutLine } from './rollout-view.js';
import type { WatchSnapshot, WatchedExecution } from './ops/watch.js';
import { historyLine } from './ops/history.js';

/** How many of the timeline's latest events the in-place view shows. */
const TIMELINE_LINES = 8;

const COUNTER_LABELS: Array<[keyof Counters, string]> = [
  ['queued', 'queued'],
  ['inProgress', 'in progress'],
  ['succeeded', 'succeeded'],
  ['failed', 'failed'],
  ['rejected', 'rejected'],
  ['timedOut', 'timed out'],
  ['canceled', 'canceled'],
  ['removed', 'removed'],
];

export const counterLine = (c: Counters) => COUNTER_LABELS.map(([k, label]) => `${label} ${c[k]}`).join('  ');

function percent(p: number | undefined) {
  return p === undefined ? '' : `${bar(p, 20)} ${String(Math.floor(p * 100)).padStart(3)}%`;
}

/** Why a device ended as it did, from its statusDetails (the agent's reason code and message). */
export function reasonOf(e: WatchedExecution): string {
  const d = e.details;
  const parts = [d.reasonCode ?? d.reason ?? d.code, d.message ?? d.error ?? d.detail].filter(Boolean);
  return parts.join(': ');
}

/** The live view: the job with its overall bar, the counters, one line per device (first `maxDevices`). */
export function renderSnapshot(s: WatchSnapshot, maxDevices = 20): string[] {
  const total = totalOf(s.counters);
  const done = finishedOf(s.counters);
  const lines = [
    `job ${s.jobId}  ${s.job.status ?? '?'}  ${bar(total ? done / total : 0)}  ${done}/${total} finished`,
    `  ${counterLine(s.counters)}`,
  ];
  const rollout = rolloutLine(s.job, s.counters);
  if (rollout) lines.push(`  ${rollout}`);
  const width = Math.max(0, ...s.executions.map((e) => e.thingName.length));
  for (const e of s.executions.slice(0, maxDevices)) {
    const extra = e.status === 'IN_PROGRESS' ? (e.progress !== undefined ? percent(e.progress) : (e.details.step ?? '')) : reasonOf(e);
    lines.push(`  ${e.thingName.padEnd(width)}  ${e.status.padEnd(11)} ${extra}`.trimEnd());
  }
  if (s.executions.length > maxDevices) lines.push(`  … and ${s.executions.length - maxDevices} more`);
  if (s.timeline.length > 0) {
    lines.push('  timeline:');
    for (const e of s.timeline.slice(-TIMELINE_LINES)) lines.push(`    ${historyLine(e, 'job')}`);
  }
  return lines;
}

/**
 * Draws snapshots as they come. A terminal gets the block redrawn in place;
 * anything else (a CI log, a pipe) gets a line only when something changed:
 * the counters, or a device's status or progress quarter.
 */
export class JobView {
  private drawn = 0;
  private lastCounters = '';
  private lastRollout: string | undefined;
  private readonly seen = new Map<string, string>();
  private shown = 0;

  constructor(private readonly out: Output) {}

  show(s: WatchSnapshot): void {
    if (this.out.isTTY) {
      const lines = renderSnapshot(s);
      if (this.drawn) this.out.write(`\x1b[${this.drawn}A\x1b[J`);
      this.out.write(`${lines.join('\n')}\n`);
      this.drawn = lines.length;
      return;
    }
    const total = totalOf(s.counters);
    const countersNow = `${s.job.status} ${counterLine(s.counters)}`;
    if (countersNow !== this.lastCounters) {
      this.lastCounters = countersNow;
      this.out.write(`job ${s.jobId} ${s.job.status}: ${finishedOf(s.counters)}/${total} finished (${counterLine(s.counters)})\n`);
    }
    const rollout = rolloutLine(s.job, s.counters);
    if (rollout && rollout !== this.lastRollout) this.out.write(`  rollout: ${rollout}\n`);
    this.lastRollout = rollout;
    for (const e of s.executions) {
      // Progress in quarters, or the phase the agent reports (e.g. installing) when it gives no percent.
      const working = e.status === 'IN_PROGRESS';
      const quarter = working && e.progress !== undefined ? ` ${Math.floor(e.progress * 4) * 25}%` : working && e.details.step ? ` ${e.details.step}` : '';
      const key = `${e.status}${quarter}`;
      if (this.seen.get(e.thingName) === key) continue;
      // A continuous job reaches things that join its groups after it started: say so.
      const joined = this.shown > 0 && !this.seen.has(e.thingName) && s.job.targetSelection === 'CONTINUOUS' ? ' (joined)' : '';
      this.seen.set(e.thingName, key);
      const reason = reasonOf(e);
      this.out.write(`  ${e.thingName} ${e.status}${quarter}${reason && e.status !== 'IN_PROGRESS' ? ` (${reason})` : ''}${joined}\n`);
    }
    // The timeline, each event once, as it arrives.
    for (const e of s.newEvents) this.out.write(`  | ${historyLine(e, 'job')}\n`);
    this.shown++;
  }
}
