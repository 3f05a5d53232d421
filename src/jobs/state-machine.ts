/**
 * The job-execution state machine: pure functions, no I/O, time passed in.
 * Every function takes the current execution and returns the next one (never
 * mutating its input) or a refusal the protocols turn into their own error.
 */
import { FerryError, invalidInput, invalidState, versionConflict } from '../errors.js';
import {
  isJobExecutionStatus,
  type JobExecution,
  type JobExecutionState,
  type JobExecutionStatus,
  type JobProcessCounters,
  type JobStatus,
  type TargetSelection,
} from './types.js';

/**
 * Why a transition was refused. These are the MQTT Jobs error codes (§1.6) the
 * MQTT handler answers with; `refusalError` maps them to domain errors for HTTP.
 * VersionMismatch and InvalidStateTransition answers carry the execution's
 * current state (executionStateOf(current)). TerminalState is never returned by
 * this module: it is the code for describing a terminal execution (§1.6, §11 q4).
 */
export type RefusalCode = 'InvalidRequest' | 'InvalidStateTransition' | 'VersionMismatch' | 'TerminalState';
export interface Refusal {
  ok: false;
  code: RefusalCode;
  message: string;
}
export type TransitionResult = { ok: true; next: JobExecution } | Refusal;

/**
 * An UpdateJobExecution request as the device sent it. Fields are checked here,
 * so a handler may pass the decoded payload's values through unchanged.
 */
export interface DeviceUpdateRequest {
  /** Required on every update (§1.3). */
  status: string;
  /** Omitted or null: unchanged. Given: replaces the whole map (§1.3 recommends replace). */
  statusDetails?: unknown;
  /** A number, or a numeric string as the developer guide's example sends (§1.3). */
  expectedVersion?: unknown;
  /** 1–10080 sets or restarts the step timer; -1 clears it (§1.3, §9). */
  stepTimeoutInMinutes?: unknown;
}

export interface UpdateContext {
  nowMs: number;
  /** The job's timeoutConfig.inProgressTimeoutInMinutes, if any; starts when the execution does. */
  inProgressTimeoutInMinutes?: number;
}

export type ServiceEvent =
  /** CancelJob / CancelJobExecution / abort; CancelJobExecution may carry expectedVersion and statusDetails. */
  | { kind: 'cancel'; force: boolean; expectedVersion?: unknown; statusDetails?: unknown }
  /** A timer ran out; refused unless that timer is running and due. */
  | { kind: 'timeout'; which: 'step' | 'in-progress' }
  /** The thing was deleted or left the target group. */
  | { kind: 'remove' }
  /** The retry config re-queues a FAILED or TIMED_OUT execution (whether retries remain is the caller's call). */
  | { kind: 'retry' };

// aws-wire-protocols.md §9: the initiator / terminal table.
const TERMINAL: ReadonlySet<JobExecutionStatus> = new Set(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'REJECTED', 'REMOVED', 'CANCELED']);
// aws-wire-protocols.md §1.3, §1.7: what a device may send.
const DEVICE_SETTABLE: ReadonlySet<JobExecutionStatus> = new Set(['IN_PROGRESS', 'SUCCEEDED', 'FAILED', 'REJECTED']);
const RETRYABLE: ReadonlySet<JobExecutionStatus> = new Set(['FAILED', 'TIMED_OUT']);

// aws-wire-protocols.md §1.3 (DetailsKey/DetailsValue in the data-plane model), §9 (≤10 pairs).
export const MAX_STATUS_DETAILS = 10;
export const MAX_STATUS_DETAIL_VALUE_CHARS = 1024;
const DETAIL_KEY = /^[a-zA-Z0-9:_-]{1,128}$/;
const CONTROL_CHAR = /\p{C}/u;

// aws-wire-protocols.md §1.3, §9: step and in-progress timers are 1–10080 minutes; -1 clears the step timer.
export const MAX_TIMEOUT_MINUTES = 10080;
export const CLEAR_STEP_TIMER = -1;
const MINUTE_MS = 60_000;

export const isTerminal = (status: JobExecutionStatus): boolean => TERMINAL.has(status);

export const executionStateOf = (exec: JobExecution): JobExecutionState => ({
  status: exec.status,
  statusDetails: { ...exec.statusDetails },
  versionNumber: exec.versionNumber,
});

const refuse = (code: RefusalCode, message: string): Refusal => ({ ok: false, code, message });

/** The refusal as a domain error, for the HTTPS APIs (the error registry names it per service). */
export function refusalError(r: Refusal): FerryError {
  switch (r.code) {
    case 'InvalidRequest':
      return invalidInput(r.message);
    case 'VersionMismatch':
      return versionConflict('job-execution', r.message);
    case 'TerminalState':
      return invalidState('job-execution', r.message, 'terminal-state');
    case 'InvalidStateTransition':
      return invalidState('job-execution', r.message);
  }
}

// ---------------------------------------------------------------------------
// Request fields

type Checked<T> = { ok: true; value: T } | Refusal;

const absent = (v: unknown): v is undefined | null => v === undefined || v === null;

/**
 * Checks a statusDetails map. Absent (undefined/null) gives undefined ("leave
 * unchanged"). Numbers and booleans are turned into strings: the v1 device
 * SDK's jobs agent sends numbers, and AWS's behaviour for them is not known
 * (§1.3, §11 q2); anything else that is not a string is refused.
 */
export function checkStatusDetails(raw: unknown): Checked<Record<string, string> | undefined> {
  if (absent(raw)) return { ok: true, value: undefined };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return refuse('InvalidRequest', 'statusDetails must be an object whose values are strings.');
  }
  const entries = Object.entries(raw);
  if (entries.length > MAX_STATUS_DETAILS) {
    return refuse('InvalidRequest', `statusDetails has ${entries.length} entries; at most ${MAX_STATUS_DETAILS} are allowed.`);
  }
  const out: Array<[string, string]> = [];
  for (const [key, value] of entries) {
    if (!DETAIL_KEY.test(key)) {
      return refuse('InvalidRequest', `statusDetails key '${key}' is invalid: keys are 1-128 characters of [a-zA-Z0-9:_-].`);
    }
    const text = typeof value === 'string' ? value : typeof value === 'number' && Number.isFinite(value) ? String(value) : typeof value === 'boolean' ? String(value) : undefined;
    if (text === undefined) return refuse('InvalidRequest', `statusDetails value for '${key}' must be a string.`);
    const chars = [...text].length;
    if (chars < 1 || chars > MAX_STATUS_DETAIL_VALUE_CHARS) {
      return refuse('InvalidRequest', `statusDetails value for '${key}' must be 1-${MAX_STATUS_DETAIL_VALUE_CHARS} characters long (it has ${chars}).`);
    }
    if (CONTROL_CHAR.test(text)) {
      return refuse('InvalidRequest', `statusDetails value for '${key}' contains a control or unassigned character.`);
    }
    out.push([key, text]);
  }
  return { ok: true, value: Object.fromEntries(out) };
}

/** expectedVersion: a non-negative integer, or a string of digits (§1.3). */
export function checkExpectedVersion(raw: unknown): Checked<number | undefined> {
  if (absent(raw)) return { ok: true, value: undefined };
  const n = typeof raw === 'string' && /^\d{1,15}$/.test(raw) ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    return refuse('InvalidRequest', 'expectedVersion must be a non-negative integer.');
  }
  return { ok: true, value: n };
}

/** stepTimeoutInMinutes: 1–10080, or -1 to clear the step timer (§1.3, §9). */
export function checkStepTimeout(raw: unknown): Checked<number | undefined> {
  if (absent(raw)) return { ok: true, value: undefined };
  const valid = typeof raw === 'number' && Number.isInteger(raw) && (raw === CLEAR_STEP_TIMER || (raw >= 1 && raw <= MAX_TIMEOUT_MINUTES));
  if (!valid) {
    return refuse('InvalidRequest', `stepTimeoutInMinutes must be an integer from 1 to ${MAX_TIMEOUT_MINUTES}, or ${CLEAR_STEP_TIMER} to clear the step timer.`);
  }
  return { ok: true, value: raw };
}

function checkVersion(current: JobExecution, expected: number | undefined): Refusal | undefined {
  if (expected === undefined || expected === current.versionNumber) return undefined;
  return refuse('VersionMismatch', `expectedVersion ${expected} does not match the job execution's version ${current.versionNumber}.`);
}

// ---------------------------------------------------------------------------
// Building the next execution

/** Every accepted change bumps versionNumber and lastUpdatedAt (§1.7). */
const bump = (exec: JobExecution, nowMs: number): JobExecution => ({ ...exec, versionNumber: exec.versionNumber + 1, lastUpdatedAtMs: nowMs });

/** Terminal executions run no timers (approximateSecondsBeforeTimedOut is omitted once terminal, §9). */
function withoutTimers(exec: JobExecution): JobExecution {
  const { stepTimeoutAtMs: _step, inProgressTimeoutAtMs: _inProgress, ...rest } = exec;
  return rest;
}

function withoutStepTimer(exec: JobExecution): JobExecution {
  const { stepTimeoutAtMs: _step, ...rest } = exec;
  return rest;
}

/** The execution entering or staying IN_PROGRESS, with its timers (§9 "Timeouts"). */
function toInProgress(current: JobExecution, stepMinutes: number | undefined, ctx: UpdateContext): JobExecution {
  let next: JobExecution = { ...current, status: 'IN_PROGRESS' };
  if (current.status === 'QUEUED') {
    next.startedAtMs = ctx.nowMs;
    // The in-progress timer starts when the execution does and is fixed from then on.
    if (ctx.inProgressTimeoutInMinutes !== undefined) next.inProgressTimeoutAtMs = ctx.nowMs + ctx.inProgressTimeoutInMinutes * MINUTE_MS;
  }
  // Each new step value replaces the previous timer; no value leaves the running one alone.
  if (stepMinutes === CLEAR_STEP_TIMER) next = withoutStepTimer(next);
  else if (stepMinutes !== undefined) next.stepTimeoutAtMs = ctx.nowMs + stepMinutes * MINUTE_MS;
  return next;
}

function toTerminal(current: JobExecution, status: JobExecutionStatus): JobExecution {
  return withoutTimers({ ...current, status });
}

function statusRefusal(current: JobExecution, requested: string): Refusal | undefined {
  if (!isJobExecutionStatus(requested)) {
    return refuse('InvalidRequest', `status must be one of IN_PROGRESS, SUCCEEDED, FAILED or REJECTED (got '${requested}').`);
  }
  // §1.7 / §11 q3: undocumented on AWS; like MiniStack, QUEUED is a refused transition and the
  // other service-only statuses are an invalid request.
  if (requested === 'QUEUED') {
    return refuse('InvalidStateTransition', `A job execution cannot be set to QUEUED (it is ${current.status}).`);
  }
  if (!DEVICE_SETTABLE.has(requested)) {
    return refuse('InvalidRequest', `A device cannot set status ${requested}; it may set IN_PROGRESS, SUCCEEDED, FAILED or REJECTED.`);
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// Device updates (UpdateJobExecution, StartNextPendingJobExecution)

/**
 * UpdateJobExecution (§1.3, §1.7). Checks in order: the request's fields
 * (InvalidRequest), expectedVersion (VersionMismatch), then the transition:
 * QUEUED or IN_PROGRESS may go to IN_PROGRESS, SUCCEEDED, FAILED or REJECTED;
 * a terminal execution accepts nothing (InvalidStateTransition), not even
 * its own status again.
 */
export function applyDeviceUpdate(current: JobExecution, req: DeviceUpdateRequest, ctx: UpdateContext): TransitionResult {
  if (typeof req.status !== 'string') return refuse('InvalidRequest', 'status is required.');
  const details = checkStatusDetails(req.statusDetails);
  if (!details.ok) return details;
  const expected = checkExpectedVersion(req.expectedVersion);
  if (!expected.ok) return expected;
  const step = checkStepTimeout(req.stepTimeoutInMinutes);
  if (!step.ok) return step;
  const badStatus = statusRefusal(current, req.status);
  if (badStatus) return badStatus;
  const mismatch = checkVersion(current, expected.value);
  if (mismatch) return mismatch;
  if (isTerminal(current.status)) {
    return refuse('InvalidStateTransition', `The job execution is in terminal state ${current.status} and cannot be updated to ${req.status}.`);
  }
  const target = req.status as JobExecutionStatus;
  let next = target === 'IN_PROGRESS' ? toInProgress(current, step.value, ctx) : toTerminal(current, target);
  if (details.value !== undefined) next = { ...next, statusDetails: details.value };
  return { ok: true, next: bump(next, ctx.nowMs) };
}

export interface StartNextRequest {
  statusDetails?: unknown;
  stepTimeoutInMinutes?: unknown;
}

/**
 * StartNextPendingJobExecution on the execution already picked as next (§1.3):
 * QUEUED becomes IN_PROGRESS with the request's statusDetails and step timer;
 * an execution already IN_PROGRESS is returned unchanged (changed: false), the
 * request's fields not applied.
 */
export function startNext(current: JobExecution, req: StartNextRequest, ctx: UpdateContext): ({ ok: true; next: JobExecution; changed: boolean }) | Refusal {
  const details = checkStatusDetails(req.statusDetails);
  if (!details.ok) return details;
  const step = checkStepTimeout(req.stepTimeoutInMinutes);
  if (!step.ok) return step;
  if (current.status === 'IN_PROGRESS') return { ok: true, next: current, changed: false };
  if (current.status !== 'QUEUED') {
    return refuse('InvalidStateTransition', `The job execution is ${current.status}, not pending.`);
  }
  const result = applyDeviceUpdate(current, { status: 'IN_PROGRESS', statusDetails: details.value, stepTimeoutInMinutes: step.value }, ctx);
  return result.ok ? { ...result, changed: true } : result;
}

// ---------------------------------------------------------------------------
// Service-initiated transitions (§1.7 last paragraph, §3.3 CancelJob/CancelJobExecution, §9)

export function applyServiceTransition(current: JobExecution, event: ServiceEvent, nowMs: number): TransitionResult {
  switch (event.kind) {
    case 'cancel':
      return cancel(current, event, nowMs);
    case 'timeout':
      return timeOut(current, event.which, nowMs);
    case 'remove':
      if (isTerminal(current.status)) return refuse('InvalidStateTransition', `The job execution is already ${current.status}.`);
      return { ok: true, next: bump(toTerminal(current, 'REMOVED'), nowMs) };
    case 'retry':
      return retry(current, nowMs);
  }
}

/** QUEUED → CANCELED; IN_PROGRESS → CANCELED only with force (§1.7, §3.3). */
function cancel(current: JobExecution, event: Extract<ServiceEvent, { kind: 'cancel' }>, nowMs: number): TransitionResult {
  const details = checkStatusDetails(event.statusDetails);
  if (!details.ok) return details;
  const expected = checkExpectedVersion(event.expectedVersion);
  if (!expected.ok) return expected;
  const mismatch = checkVersion(current, expected.value);
  if (mismatch) return mismatch;
  if (current.status === 'IN_PROGRESS' && !event.force) {
    return refuse('InvalidStateTransition', 'The job execution is IN_PROGRESS; cancel it with force=true.');
  }
  if (isTerminal(current.status)) {
    return refuse('InvalidStateTransition', `The job execution is in terminal state ${current.status} and cannot be canceled.`);
  }
  let next = toTerminal(current, 'CANCELED');
  next.forceCanceled = event.force;
  if (details.value !== undefined) next = { ...next, statusDetails: details.value };
  return { ok: true, next: bump(next, nowMs) };
}

/** IN_PROGRESS → TIMED_OUT when the named timer is due (§1.7, §9). A stale event is refused. */
function timeOut(current: JobExecution, which: 'step' | 'in-progress', nowMs: number): TransitionResult {
  if (current.status !== 'IN_PROGRESS') {
    return refuse('InvalidStateTransition', `Only an IN_PROGRESS job execution can time out (it is ${current.status}).`);
  }
  const at = which === 'step' ? current.stepTimeoutAtMs : current.inProgressTimeoutAtMs;
  if (at === undefined || at > nowMs) {
    return refuse('InvalidStateTransition', `The job execution's ${which} timer is not due.`);
  }
  return { ok: true, next: bump(toTerminal(current, 'TIMED_OUT'), nowMs) };
}

/**
 * FAILED or TIMED_OUT → another attempt (§9 retry config): a new QUEUED
 * execution of the same job and thing, with the next executionNumber, version
 * 1, retryAttempt + 1, and fresh statusDetails; the ended attempt stays as it
 * ended (its history). A retry goes to a device the rollout already reached,
 * so it is visible (notified) at once.
 */
function retry(current: JobExecution, nowMs: number): TransitionResult {
  if (!RETRYABLE.has(current.status)) {
    return refuse('InvalidStateTransition', `Only FAILED or TIMED_OUT job executions are retried (it is ${current.status}).`);
  }
  const next: JobExecution = {
    jobId: current.jobId,
    thingName: current.thingName,
    status: 'QUEUED',
    statusDetails: {},
    queuedAtMs: nowMs,
    lastUpdatedAtMs: nowMs,
    executionNumber: current.executionNumber + 1,
    versionNumber: 1,
    retryAttempt: current.retryAttempt + 1,
    forceCanceled: false,
    notifiedAtMs: nowMs,
  };
  return { ok: true, next };
}

// ---------------------------------------------------------------------------
// Timers

/**
 * The next deadline of a running execution and which timer it belongs to. The
 * step timer can never extend past the in-progress timer's deadline (§9), so
 * the earlier one wins (the in-progress timer on a tie).
 */
export function nextTimeout(exec: JobExecution): { atMs: number; which: 'step' | 'in-progress' } | undefined {
  if (exec.status !== 'IN_PROGRESS') return undefined;
  const step = exec.stepTimeoutAtMs;
  const inProgress = exec.inProgressTimeoutAtMs;
  if (inProgress !== undefined && (step === undefined || inProgress <= step)) return { atMs: inProgress, which: 'in-progress' };
  if (step !== undefined) return { atMs: step, which: 'step' };
  return undefined;
}

export const nextTimeoutAtMs = (exec: JobExecution): number | undefined => nextTimeout(exec)?.atMs;

/** Whole seconds left, rounded up, never negative; undefined when no timer runs (§1.4). */
export function approximateSecondsBeforeTimedOut(exec: JobExecution, nowMs: number): number | undefined {
  const at = nextTimeoutAtMs(exec);
  return at === undefined ? undefined : Math.max(0, Math.ceil((at - nowMs) / 1000));
}

// ---------------------------------------------------------------------------
// Job-level bookkeeping

const COUNTER_OF: Record<JobExecutionStatus, keyof JobProcessCounters> = {
  QUEUED: 'numberOfQueuedThings',
  IN_PROGRESS: 'numberOfInProgressThings',
  SUCCEEDED: 'numberOfSucceededThings',
  FAILED: 'numberOfFailedThings',
  REJECTED: 'numberOfRejectedThings',
  CANCELED: 'numberOfCanceledThings',
  REMOVED: 'numberOfRemovedThings',
  TIMED_OUT: 'numberOfTimedOutThings',
};

export const emptyCounters = (): JobProcessCounters => ({
  numberOfQueuedThings: 0,
  numberOfInProgressThings: 0,
  numberOfSucceededThings: 0,
  numberOfFailedThings: 0,
  numberOfRejectedThings: 0,
  numberOfCanceledThings: 0,
  numberOfRemovedThings: 0,
  numberOfTimedOutThings: 0,
});

/** jobProcessDetails counters for the latest execution of each targeted thing. */
export function countersFor(statuses: readonly JobExecutionStatus[]): JobProcessCounters {
  const counters = emptyCounters();
  for (const s of statuses) counters[COUNTER_OF[s]] += 1;
  return counters;
}

export interface JobProgress {
  targetSelection: TargetSelection;
  /** True once every target has an execution (the rollout created them all). */
  rolloutComplete: boolean;
}

/**
 * The job's status after its executions changed (§9): a SNAPSHOT job that is
 * IN_PROGRESS becomes COMPLETED once its rollout is done and no execution is
 * QUEUED or IN_PROGRESS. CONTINUOUS jobs never complete; the other statuses
 * (SCHEDULED, CANCELED, DELETION_IN_PROGRESS, COMPLETED) are left alone.
 */
export function jobStatusAfter(jobStatus: JobStatus, counters: JobProcessCounters, progress: JobProgress): JobStatus {
  if (jobStatus !== 'IN_PROGRESS' || progress.targetSelection !== 'SNAPSHOT' || !progress.rolloutComplete) return jobStatus;
  const pending = counters.numberOfQueuedThings + counters.numberOfInProgressThings;
  return pending === 0 ? 'COMPLETED' : jobStatus;
}
