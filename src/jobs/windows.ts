/**
 * Maintenance windows (aws-wire-protocols.md §9): each starts at the times an
 * AWS CronExpression names — `cron(minutes hours day-of-month month
 * day-of-week year)`, six fields, `?` in one of the two day fields, `L`, `W`
 * and `#` allowed, evaluated in UTC (the dialect of AWS's scheduled
 * expressions, e.g. `cron(0 18 ? * MON-FRI *)`) — and lasts durationInMinutes.
 * aws-cron-parser reads that dialect (a five-field Unix cron would misread
 * it); it assumes its input is valid, so the shape is checked here first.
 */
import awsCron from 'aws-cron-parser';
import type { MaintenanceWindow } from './configs.js';

type Parsed = ReturnType<typeof awsCron.parse>;

const WRAPPED = /^cron\((.*)\)$/;
// Per field: the characters AWS allows (the library checks the numbers and names).
const FIELD_CHARS = [/^[0-9,\-*/]+$/, /^[0-9,\-*/]+$/, /^[0-9,\-*/?LW]+$/, /^[0-9A-Za-z,\-*/]+$/, /^[0-9A-Za-z,\-*/?L#]+$/, /^[0-9,\-*/]+$/];
const FIELD_NAMES = ['minutes', 'hours', 'day-of-month', 'month', 'day-of-week', 'year'];
const MINUTE_MS = 60_000;

export type CronCheck = { ok: true; parsed: Parsed } | { ok: false; reason: string };

export function parseWindowCron(expression: string): CronCheck {
  const inner = WRAPPED.exec(expression.trim());
  if (!inner) return { ok: false, reason: 'it is not wrapped in cron(…)' };
  const fields = inner[1]!.trim().split(/\s+/);
  if (fields.length !== 6) return { ok: false, reason: `it has ${fields.length} fields, not the six of minutes hours day-of-month month day-of-week year` };
  for (let i = 0; i < 6; i++) {
    if (!FIELD_CHARS[i]!.test(fields[i]!)) return { ok: false, reason: `its ${FIELD_NAMES[i]} field ${JSON.stringify(fields[i])} is malformed` };
  }
  if ((fields[2] === '?') === (fields[4] === '?')) return { ok: false, reason: 'exactly one of day-of-month and day-of-week must be ?' };
  try {
    const parsed = awsCron.parse(fields.join(' '));
    if (!awsCron.next(parsed, new Date(0))) return { ok: false, reason: 'it never matches' };
    return { ok: true, parsed };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : 'it cannot be read' };
  }
}

function parsedOf(window: MaintenanceWindow): Parsed {
  const check = parseWindowCron(window.startTime);
  if (!check.ok) throw new Error(`maintenance window ${window.startTime} was stored unchecked`);
  return check.parsed;
}

/** The first start strictly after `afterMs` (undefined when none is left). */
function nextStart(parsed: Parsed, afterMs: number): number | undefined {
  return awsCron.next(parsed, new Date(afterMs))?.getTime();
}

/** The window open at `nowMs`, as [start, end), if any. */
export function openWindow(windows: readonly MaintenanceWindow[], nowMs: number): { startMs: number; endMs: number } | undefined {
  for (const window of windows) {
    // The latest start at or before now: prev is strictly before, so look from just after now.
    const start = awsCron.prev(parsedOf(window), new Date(nowMs + 1))?.getTime();
    if (start !== undefined && start <= nowMs && nowMs < start + window.durationInMinutes * MINUTE_MS) {
      return { startMs: start, endMs: start + window.durationInMinutes * MINUTE_MS };
    }
  }
  return undefined;
}

/** The next `count` window starts after `afterMs`, over all windows, in order (DescribeJob's scheduledJobRollouts). */
export function nextWindowStarts(windows: readonly MaintenanceWindow[], afterMs: number, count: number): number[] {
  const starts = new Set<number>();
  for (const window of windows) {
    const parsed = parsedOf(window);
    let at = afterMs;
    for (let i = 0; i < count; i++) {
      const next = nextStart(parsed, at);
      if (next === undefined) break;
      starts.add(next);
      at = next;
    }
  }
  return [...starts].sort((a, b) => a - b).slice(0, count);
}
