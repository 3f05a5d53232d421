/**
 * The one validator of a job's rollout, abort, retry and scheduling
 * configurations (aws-wire-protocols.md §3.3 CreateJob, §9): AWS's ranges,
 * and an InvalidRequestException naming the field, the value and the range.
 * CreateJob and UpdateJob use it (job templates will too). Pure: the time it
 * checks schedules against is passed in.
 */
import { invalidInput } from '../errors.js';
import { parseWindowCron } from './windows.js';

export interface ExponentialRate {
  baseRatePerMinute: number;
  incrementFactor: number;
  rateIncreaseCriteria: { numberOfNotifiedThings: number } | { numberOfSucceededThings: number };
}

export interface RolloutConfig {
  maximumPerMinute?: number;
  exponentialRate?: ExponentialRate;
}

export const ABORT_FAILURE_TYPES = ['FAILED', 'REJECTED', 'TIMED_OUT', 'ALL'] as const;
export type AbortFailureType = (typeof ABORT_FAILURE_TYPES)[number];

export interface AbortCriteria {
  failureType: AbortFailureType;
  action: 'CANCEL';
  thresholdPercentage: number;
  minNumberOfExecutedThings: number;
}

export const RETRY_FAILURE_TYPES = ['FAILED', 'TIMED_OUT', 'ALL'] as const;
export type RetryFailureType = (typeof RETRY_FAILURE_TYPES)[number];

export interface RetryCriteria {
  failureType: RetryFailureType;
  numberOfRetries: number;
}

export const END_BEHAVIORS = ['STOP_ROLLOUT', 'CANCEL', 'FORCE_CANCEL'] as const;
export type EndBehavior = (typeof END_BEHAVIORS)[number];

export interface MaintenanceWindow {
  /** AWS's CronExpression, e.g. `cron(0 22 ? * MON-FRI *)`, evaluated in UTC. */
  startTime: string;
  durationInMinutes: number;
}

export interface SchedulingConfig {
  /** "YYYY-MM-DDTHH:MM" (UTC), as given. */
  startTime?: string;
  endTime?: string;
  endBehavior?: EndBehavior;
  maintenanceWindows?: MaintenanceWindow[];
}

/** The configurations as a request gave them (unchecked JSON). */
export interface RawJobConfigs {
  jobExecutionsRolloutConfig?: unknown;
  abortConfig?: unknown;
  jobExecutionsRetryConfig?: unknown;
  schedulingConfig?: unknown;
}

export interface JobConfigs {
  rollout?: RolloutConfig;
  abort?: AbortCriteria[];
  retry?: RetryCriteria[];
  scheduling?: SchedulingConfig;
}

export interface ConfigContext {
  nowMs: number;
  /** Whether the job has timeoutConfig.inProgressTimeoutInMinutes (TIMED_OUT retries need it). */
  hasTimeout: boolean;
}

// aws-wire-protocols.md §3.3, §9.
export const MAX_RATE_PER_MINUTE = 1000;
const MIN_FACTOR = 1.1;
const MAX_FACTOR = 5;
const MAX_RETRIES = 10;
const MAX_RETRY_CRITERIA = 2;
const MIN_WINDOW_MINUTES = 1;
const MAX_WINDOW_MINUTES = 1430;
const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
const START_LEAD_MS = 30 * MINUTE_MS;
const MAX_START_AHEAD_MS = 365 * DAY_MS;
const MAX_END_AHEAD_MS = 2 * 365 * DAY_MS;
const MIN_END_AFTER_START_MS = 30 * MINUTE_MS;
const SCHEDULE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;

const refuse = (field: string, value: unknown, rule: string) => invalidInput(`${field} ${JSON.stringify(value)} is not valid: ${rule}.`);

const absent = (v: unknown): v is undefined | null => v === undefined || v === null;

function objectAt(field: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw refuse(field, value, 'it must be an object');
  return value as Record<string, unknown>;
}

function integerAt(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw refuse(field, value, max === Number.MAX_SAFE_INTEGER ? `it must be an integer of at least ${min}` : `it must be an integer from ${min} to ${max}`);
  }
  return value;
}

function oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) throw refuse(field, value, `it must be one of ${allowed.join(', ')}`);
  return value as T;
}

/** A number with at most `decimals` decimal places (AWS's "one decimal" / "two decimals"). */
const hasDecimals = (n: number, decimals: number) => Math.abs(Math.round(n * 10 ** decimals) - n * 10 ** decimals) < 1e-9;

function listAt(field: string, value: unknown, min: number, max: number): unknown[] {
  if (!Array.isArray(value)) throw refuse(field, value, 'it must be a list');
  if (value.length < min || value.length > max) throw invalidInput(`${field} has ${value.length} entries: it must have ${min === max ? min : `${min} to ${max}`}${max === Number.MAX_SAFE_INTEGER ? ' or more' : ''}.`);
  return value;
}

export function checkRolloutConfig(raw: unknown): RolloutConfig | undefined {
  if (absent(raw)) return undefined;
  const field = 'jobExecutionsRolloutConfig';
  const body = objectAt(field, raw);
  const out: RolloutConfig = {};
  if (!absent(body.maximumPerMinute)) out.maximumPerMinute = integerAt(`${field}.maximumPerMinute`, body.maximumPerMinute, 1, MAX_RATE_PER_MINUTE);
  if (!absent(body.exponentialRate)) out.exponentialRate = checkExponentialRate(`${field}.exponentialRate`, body.exponentialRate);
  return out.maximumPerMinute === undefined && out.exponentialRate === undefined ? undefined : out;
}

function checkExponentialRate(field: string, raw: unknown): ExponentialRate {
  const body = objectAt(field, raw);
  const baseRatePerMinute = integerAt(`${field}.baseRatePerMinute`, body.baseRatePerMinute, 1, MAX_RATE_PER_MINUTE);
  const factor = body.incrementFactor;
  if (typeof factor !== 'number' || !Number.isFinite(factor) || factor < MIN_FACTOR || factor > MAX_FACTOR || !hasDecimals(factor, 1)) {
    throw refuse(`${field}.incrementFactor`, factor, `it must be a number from ${MIN_FACTOR} to ${MAX_FACTOR} with at most one decimal place`);
  }
  const criteria = objectAt(`${field}.rateIncreaseCriteria`, body.rateIncreaseCriteria);
  const notified = criteria.numberOfNotifiedThings;
  const succeeded = criteria.numberOfSucceededThings;
  if (absent(notified) === absent(succeeded)) {
    throw invalidInput(`${field}.rateIncreaseCriteria must give exactly one of numberOfNotifiedThings and numberOfSucceededThings.`);
  }
  const rateIncreaseCriteria = absent(succeeded)
    ? { numberOfNotifiedThings: integerAt(`${field}.rateIncreaseCriteria.numberOfNotifiedThings`, notified, 1, Number.MAX_SAFE_INTEGER) }
    : { numberOfSucceededThings: integerAt(`${field}.rateIncreaseCriteria.numberOfSucceededThings`, succeeded, 1, Number.MAX_SAFE_INTEGER) };
  return { baseRatePerMinute, incrementFactor: factor, rateIncreaseCriteria };
}

export function checkAbortConfig(raw: unknown): AbortCriteria[] | undefined {
  if (absent(raw)) return undefined;
  const field = 'abortConfig.criteriaList';
  const list = listAt(field, objectAt('abortConfig', raw).criteriaList, 1, Number.MAX_SAFE_INTEGER);
  return list.map((entry, i) => {
    const at = `${field}[${i}]`;
    const body = objectAt(at, entry);
    const threshold = body.thresholdPercentage;
    if (typeof threshold !== 'number' || !Number.isFinite(threshold) || threshold < 0 || threshold > 100 || !hasDecimals(threshold, 2)) {
      throw refuse(`${at}.thresholdPercentage`, threshold, 'it must be a number from 0 to 100 with at most two decimal places');
    }
    return {
      failureType: oneOf(`${at}.failureType`, body.failureType, ABORT_FAILURE_TYPES),
      action: oneOf(`${at}.action`, body.action, ['CANCEL'] as const),
      thresholdPercentage: threshold,
      minNumberOfExecutedThings: integerAt(`${at}.minNumberOfExecutedThings`, body.minNumberOfExecutedThings, 1, Number.MAX_SAFE_INTEGER),
    };
  });
}

export function checkRetryConfig(raw: unknown, hasTimeout: boolean): RetryCriteria[] | undefined {
  if (absent(raw)) return undefined;
  const field = 'jobExecutionsRetryConfig.criteriaList';
  const list = listAt(field, objectAt('jobExecutionsRetryConfig', raw).criteriaList, 1, MAX_RETRY_CRITERIA);
  const criteria = list.map((entry, i) => {
    const at = `${field}[${i}]`;
    const body = objectAt(at, entry);
    return { failureType: oneOf(`${at}.failureType`, body.failureType, RETRY_FAILURE_TYPES), numberOfRetries: integerAt(`${at}.numberOfRetries`, body.numberOfRetries, 0, MAX_RETRIES) };
  });
  const types = criteria.map((c) => c.failureType);
  if (new Set(types).size !== types.length) throw invalidInput(`${field} names failureType ${types[0]} twice: give each failure type once.`);
  const total = criteria.reduce((n, c) => n + c.numberOfRetries, 0);
  if (total > MAX_RETRIES) throw invalidInput(`${field} allows ${total} retries in all: at most ${MAX_RETRIES} retries per device are allowed.`);
  if (!hasTimeout && types.includes('TIMED_OUT')) {
    throw invalidInput(`${field} retries TIMED_OUT executions, which needs a timeoutConfig: give timeoutConfig.inProgressTimeoutInMinutes.`);
  }
  return criteria;
}

/** "YYYY-MM-DDTHH:MM" read as UTC, in epoch ms; undefined when it is not such a time. */
export function scheduleTimeMs(text: string): number | undefined {
  const m = SCHEDULE_TIME.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi);
  const back = new Date(ms);
  // Date.UTC rolls 2026-02-30 over into March: a date that does not exist is refused.
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59) return undefined;
  return ms;
}

function timeAt(field: string, value: unknown): { text: string; ms: number } {
  const ms = typeof value === 'string' ? scheduleTimeMs(value) : undefined;
  if (ms === undefined) throw refuse(field, value, 'it must be a UTC time written YYYY-MM-DDTHH:MM');
  return { text: value as string, ms };
}

export function checkSchedulingConfig(raw: unknown, nowMs: number): SchedulingConfig | undefined {
  if (absent(raw)) return undefined;
  const field = 'schedulingConfig';
  const body = objectAt(field, raw);
  const out: SchedulingConfig = {};
  let startMs = nowMs;
  if (!absent(body.startTime)) {
    const start = timeAt(`${field}.startTime`, body.startTime);
    if (start.ms < nowMs + START_LEAD_MS || start.ms > nowMs + MAX_START_AHEAD_MS) {
      throw refuse(`${field}.startTime`, start.text, 'it must be at least 30 minutes and at most one year ahead');
    }
    out.startTime = start.text;
    startMs = start.ms;
  }
  if (!absent(body.endTime)) {
    const end = timeAt(`${field}.endTime`, body.endTime);
    if (end.ms > nowMs + MAX_END_AHEAD_MS) throw refuse(`${field}.endTime`, end.text, 'it must be at most two years ahead');
    if (end.ms < startMs + MIN_END_AFTER_START_MS) throw refuse(`${field}.endTime`, end.text, 'it must be at least 30 minutes after the start time (or after now, without one)');
    out.endTime = end.text;
  }
  if (!absent(body.endBehavior)) {
    if (out.endTime === undefined) throw invalidInput(`${field}.endBehavior needs ${field}.endTime.`);
    out.endBehavior = oneOf(`${field}.endBehavior`, body.endBehavior, END_BEHAVIORS);
  }
  if (!absent(body.maintenanceWindows)) {
    const list = listAt(`${field}.maintenanceWindows`, body.maintenanceWindows, 0, Number.MAX_SAFE_INTEGER);
    const windows = list.map((entry, i) => checkWindow(`${field}.maintenanceWindows[${i}]`, entry));
    if (windows.length > 0) out.maintenanceWindows = windows;
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

function checkWindow(field: string, raw: unknown): MaintenanceWindow {
  const body = objectAt(field, raw);
  const startTime = body.startTime;
  if (typeof startTime !== 'string' || startTime.length > 256) throw refuse(`${field}.startTime`, startTime, 'it must be an AWS cron expression such as cron(0 22 ? * MON-FRI *), at most 256 characters');
  const parsed = parseWindowCron(startTime);
  if (!parsed.ok) throw refuse(`${field}.startTime`, startTime, `it must be an AWS cron expression such as cron(0 22 ? * MON-FRI *) (${parsed.reason})`);
  return { startTime, durationInMinutes: integerAt(`${field}.durationInMinutes`, body.durationInMinutes, MIN_WINDOW_MINUTES, MAX_WINDOW_MINUTES) };
}

/** Every configuration of a request, checked; throws InvalidRequest on the first bad value. */
export function checkJobConfigs(raw: RawJobConfigs, ctx: ConfigContext): JobConfigs {
  const out: JobConfigs = {};
  const rollout = checkRolloutConfig(raw.jobExecutionsRolloutConfig);
  if (rollout) out.rollout = rollout;
  const abort = checkAbortConfig(raw.abortConfig);
  if (abort) out.abort = abort;
  const retry = checkRetryConfig(raw.jobExecutionsRetryConfig, ctx.hasTimeout);
  if (retry) out.retry = retry;
  const scheduling = checkSchedulingConfig(raw.schedulingConfig, ctx.nowMs);
  if (scheduling) out.scheduling = scheduling;
  return out;
}
