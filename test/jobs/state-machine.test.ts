import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isFerryError } from '../../src/errors.js';
import {
  applyDeviceUpdate,
  applyServiceTransition,
  approximateSecondsBeforeTimedOut,
  countersFor,
  emptyCounters,
  executionStateOf,
  isTerminal,
  jobStatusAfter,
  nextTimeout,
  nextTimeoutAtMs,
  refusalError,
  startNext,
  type DeviceUpdateRequest,
  type RefusalCode,
  type ServiceEvent,
  type TransitionResult,
} from '../../src/jobs/state-machine.js';
import { JOB_EXECUTION_STATUSES, type JobExecution, type JobExecutionStatus } from '../../src/jobs/types.js';

const T0 = 1_700_000_000_000;
const NOW = T0 + 60_000;
const MIN = 60_000;

/** A frozen execution, so any mutation by the code under test throws. */
function exec(status: JobExecutionStatus, extra: Partial<JobExecution> = {}): JobExecution {
  const e: JobExecution = {
    jobId: 'job-1',
    thingName: 'miso_things_1',
    status,
    statusDetails: Object.freeze({ step: 'start' }) as Record<string, string>,
    queuedAtMs: T0,
    lastUpdatedAtMs: T0,
    executionNumber: 1,
    versionNumber: 3,
    retryAttempt: 0,
    forceCanceled: false,
    ...(status === 'QUEUED' ? {} : { startedAtMs: T0 + 1000 }),
    ...extra,
  };
  return Object.freeze(e);
}

const update = (current: JobExecution, req: DeviceUpdateRequest, inProgressTimeoutInMinutes?: number): TransitionResult =>
  applyDeviceUpdate(current, req, inProgressTimeoutInMinutes === undefined ? { nowMs: NOW } : { nowMs: NOW, inProgressTimeoutInMinutes });

function accepted(r: TransitionResult): JobExecution {
  if (!r.ok) assert.fail(`expected acceptance, got ${r.code}: ${r.message}`);
  return r.next;
}
function refused(r: TransitionResult, code: RefusalCode): string {
  if (r.ok) assert.fail(`expected ${code}, got acceptance (${r.next.status})`);
  assert.equal(r.code, code, r.message);
  assert.ok(r.message.length > 0);
  return r.message;
}

// ---------------------------------------------------------------------------
// Device updates: every (from × requested) pair, aws-wire-protocols.md §1.7

const O = 'ok';
const IST = 'InvalidStateTransition';
const IR = 'InvalidRequest';
type Outcome = typeof O | RefusalCode;
// Columns: requested QUEUED, IN_PROGRESS, SUCCEEDED, FAILED, TIMED_OUT, REJECTED, REMOVED, CANCELED.
const TERMINAL_ROW: Outcome[] = [IST, IST, IST, IST, IR, IST, IR, IR];
const DEVICE_TABLE: Record<JobExecutionStatus, Outcome[]> = {
  QUEUED: [IST, O, O, O, IR, O, IR, IR],
  IN_PROGRESS: [IST, O, O, O, IR, O, IR, IR],
  SUCCEEDED: TERMINAL_ROW,
  FAILED: TERMINAL_ROW,
  TIMED_OUT: TERMINAL_ROW,
  REJECTED: TERMINAL_ROW,
  REMOVED: TERMINAL_ROW,
  CANCELED: TERMINAL_ROW,
};

for (const from of JOB_EXECUTION_STATUSES) {
  JOB_EXECUTION_STATUSES.forEach((to, i) => {
    const expected = DEVICE_TABLE[from][i];
    test(`device update ${from} → ${to}: ${expected}`, () => {
      const current = exec(from);
      const r = update(current, { status: to });
      if (expected !== O) {
        refused(r, expected as RefusalCode);
        return;
      }
      const next = accepted(r);
      assert.equal(next.status, to);
      assert.equal(next.versionNumber, current.versionNumber + 1);
      assert.equal(next.lastUpdatedAtMs, NOW);
      assert.deepEqual(next.statusDetails, current.statusDetails, 'statusDetails omitted → unchanged');
      assert.equal(next.queuedAtMs, T0);
    });
  });
}

test('device update: unknown or missing status is an invalid request', () => {
  for (const status of ['DONE', 'succeeded', 'SUCCESS', '', ' IN_PROGRESS']) refused(update(exec('QUEUED'), { status }), IR);
  refused(update(exec('QUEUED'), { status: undefined as unknown as string }), IR);
  refused(update(exec('QUEUED'), { status: 3 as unknown as string }), IR);
});

test('device update: startedAt is set on the first IN_PROGRESS only', () => {
  const started = accepted(update(exec('QUEUED'), { status: 'IN_PROGRESS' }));
  assert.equal(started.startedAtMs, NOW);
  const again = accepted(applyDeviceUpdate(started, { status: 'IN_PROGRESS' }, { nowMs: NOW + 5000 }));
  assert.equal(again.startedAtMs, NOW);
  assert.equal(again.lastUpdatedAtMs, NOW + 5000);
  assert.equal(again.versionNumber, started.versionNumber + 1);
  const direct = accepted(update(exec('QUEUED'), { status: 'SUCCEEDED' }));
  assert.equal('startedAtMs' in direct, false, 'QUEUED → SUCCEEDED never started');
});

test('device update: the input is never mutated', () => {
  const current = exec('IN_PROGRESS', { stepTimeoutAtMs: NOW + MIN });
  const before = structuredClone(current);
  accepted(update(current, { status: 'IN_PROGRESS', statusDetails: { step: 'download' }, stepTimeoutInMinutes: 3 }));
  accepted(update(current, { status: 'SUCCEEDED', statusDetails: { step: 'done' } }));
  assert.deepEqual(current, before);
});

// ---------------------------------------------------------------------------
// expectedVersion

test('expectedVersion: a match is accepted, a mismatch is VersionMismatch', () => {
  const current = exec('IN_PROGRESS'); // version 3
  assert.equal(accepted(update(current, { status: 'IN_PROGRESS', expectedVersion: 3 })).versionNumber, 4);
  const msg = refused(update(current, { status: 'IN_PROGRESS', expectedVersion: 2 }), 'VersionMismatch');
  assert.match(msg, /2.*3/);
  refused(update(current, { status: 'SUCCEEDED', expectedVersion: 4 }), 'VersionMismatch');
});

test('expectedVersion: numeric strings are accepted (§1.3), other shapes are invalid', () => {
  const current = exec('IN_PROGRESS');
  accepted(update(current, { status: 'IN_PROGRESS', expectedVersion: '3' }));
  refused(update(current, { status: 'IN_PROGRESS', expectedVersion: '2' }), 'VersionMismatch');
  for (const bad of ['abc', '3.0', '', -1, 1.5, true, {}, Number.NaN]) {
    refused(update(current, { status: 'IN_PROGRESS', expectedVersion: bad }), IR);
  }
  accepted(update(current, { status: 'IN_PROGRESS', expectedVersion: null }));
});

test('expectedVersion is checked before the transition; bad fields before the version', () => {
  refused(update(exec('SUCCEEDED'), { status: 'IN_PROGRESS', expectedVersion: 1 }), 'VersionMismatch');
  refused(update(exec('SUCCEEDED'), { status: 'IN_PROGRESS', expectedVersion: 3 }), IST);
  refused(update(exec('IN_PROGRESS'), { status: 'CANCELED', expectedVersion: 1 }), IR);
  refused(update(exec('IN_PROGRESS'), { status: 'SUCCEEDED', expectedVersion: 1, statusDetails: { 'bad key': 'x' } }), IR);
});

// ---------------------------------------------------------------------------
// statusDetails

test('statusDetails: omitted or null leaves them; given replaces the whole map', () => {
  const current = exec('IN_PROGRESS', { statusDetails: { a: '1', b: '2' } });
  assert.deepEqual(accepted(update(current, { status: 'IN_PROGRESS' })).statusDetails, { a: '1', b: '2' });
  assert.deepEqual(accepted(update(current, { status: 'IN_PROGRESS', statusDetails: null })).statusDetails, { a: '1', b: '2' });
  assert.deepEqual(accepted(update(current, { status: 'IN_PROGRESS', statusDetails: { c: '3' } })).statusDetails, { c: '3' });
  assert.deepEqual(accepted(update(current, { status: 'SUCCEEDED', statusDetails: {} })).statusDetails, {});
});

test('statusDetails: at most 10 pairs', () => {
  const pairs = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, `v${i}`]));
  assert.equal(Object.keys(accepted(update(exec('QUEUED'), { status: 'IN_PROGRESS', statusDetails: pairs(10) })).statusDetails).length, 10);
  assert.match(refused(update(exec('QUEUED'), { status: 'IN_PROGRESS', statusDetails: pairs(11) }), IR), /11.*10/);
});

test('statusDetails: keys are 1-128 chars of [a-zA-Z0-9:_-]', () => {
  const ok = (key: string) => accepted(update(exec('QUEUED'), { status: 'IN_PROGRESS', statusDetails: { [key]: 'v' } }));
  const bad = (key: string) => refused(update(exec('QUEUED'), { status: 'IN_PROGRESS', statusDetails: { [key]: 'v' } }), IR);
  ok('a');
  ok('Step:1_a-B');
  ok('k'.repeat(128));
  bad('');
  bad('k'.repeat(129));
  for (const key of ['with space', 'dot.key', 'slash/key', 'ümlaut', 'new\nline']) bad(key);
});

test('statusDetails: values are 1-1024 characters without control characters', () => {
  const ok = (value: unknown) => accepted(update(exec('QUEUED'), { status: 'IN_PROGRESS', statusDetails: { k: value } })).statusDetails;
  const bad = (value: unknown) => refused(update(exec('QUEUED'), { status: 'IN_PROGRESS', statusDetails: { k: value } }), IR);
  ok('x');
  ok('x'.repeat(1024));
  ok('🚀'.repeat(1024)); // counted in characters, not UTF-16 units
  ok('Grüße, 世界 — with spaces & symbols <>{}');
  bad('');
  bad('x'.repeat(1025));
  bad('line1\nline2');
  bad('tab\there');
  bad('nul\u0000');
  bad('format\u200Bchar');
});

test('statusDetails: numbers and booleans become strings; other values are refused', () => {
  const details = accepted(update(exec('QUEUED'), { status: 'SUCCEEDED', statusDetails: { uptime: 1234.5, ok: true } })).statusDetails;
  assert.deepEqual(details, { uptime: '1234.5', ok: 'true' });
  for (const value of [null, { nested: 'x' }, ['a'], Number.POSITIVE_INFINITY]) {
    refused(update(exec('QUEUED'), { status: 'SUCCEEDED', statusDetails: { k: value } }), IR);
  }
  for (const details of ['text', ['a', 'b'], 42, true]) {
    refused(update(exec('QUEUED'), { status: 'SUCCEEDED', statusDetails: details }), IR);
  }
});

// ---------------------------------------------------------------------------
// Timers

test('step timer: set when starting, kept by progress updates, replaced by a new value, cleared by -1', () => {
  const started = accepted(update(exec('QUEUED'), { status: 'IN_PROGRESS', stepTimeoutInMinutes: 5 }));
  assert.equal(started.stepTimeoutAtMs, NOW + 5 * MIN);

  const t1 = NOW + 2 * MIN;
  const progress = accepted(applyDeviceUpdate(started, { status: 'IN_PROGRESS', statusDetails: { pct: '40' } }, { nowMs: t1 }));
  assert.equal(progress.stepTimeoutAtMs, NOW + 5 * MIN, 'no new value: the running timer stays');

  const longer = accepted(applyDeviceUpdate(progress, { status: 'IN_PROGRESS', stepTimeoutInMinutes: 9 }, { nowMs: t1 }));
  assert.equal(longer.stepTimeoutAtMs, t1 + 9 * MIN);
  const shorter = accepted(applyDeviceUpdate(longer, { status: 'IN_PROGRESS', stepTimeoutInMinutes: 1 }, { nowMs: t1 }));
  assert.equal(shorter.stepTimeoutAtMs, t1 + 1 * MIN);

  const cleared = accepted(applyDeviceUpdate(shorter, { status: 'IN_PROGRESS', stepTimeoutInMinutes: -1 }, { nowMs: t1 }));
  assert.equal('stepTimeoutAtMs' in cleared, false);
  assert.equal(nextTimeoutAtMs(cleared), undefined);
  const clearedAgain = accepted(applyDeviceUpdate(cleared, { status: 'IN_PROGRESS', stepTimeoutInMinutes: -1 }, { nowMs: t1 }));
  assert.equal('stepTimeoutAtMs' in clearedAgain, false);
});

test('step timer: 1-10080 minutes or -1', () => {
  assert.equal(accepted(update(exec('QUEUED'), { status: 'IN_PROGRESS', stepTimeoutInMinutes: 10080 })).stepTimeoutAtMs, NOW + 10080 * MIN);
  assert.equal(accepted(update(exec('QUEUED'), { status: 'IN_PROGRESS', stepTimeoutInMinutes: 1 })).stepTimeoutAtMs, NOW + MIN);
  for (const bad of [0, -2, 10081, 1.5, '5', true, Number.NaN]) {
    refused(update(exec('QUEUED'), { status: 'IN_PROGRESS', stepTimeoutInMinutes: bad }), IR);
  }
  // Checked even when the update is terminal (and then has no timer to set).
  refused(update(exec('IN_PROGRESS'), { status: 'SUCCEEDED', stepTimeoutInMinutes: 0 }), IR);
});

test('in-progress timer: starts with the execution and is fixed from then on', () => {
  const started = accepted(update(exec('QUEUED'), { status: 'IN_PROGRESS' }, 20));
  assert.equal(started.inProgressTimeoutAtMs, NOW + 20 * MIN);
  const later = accepted(applyDeviceUpdate(started, { status: 'IN_PROGRESS' }, { nowMs: NOW + 5 * MIN, inProgressTimeoutInMinutes: 20 }));
  assert.equal(later.inProgressTimeoutAtMs, NOW + 20 * MIN);
  const none = accepted(update(exec('QUEUED'), { status: 'IN_PROGRESS' }));
  assert.equal('inProgressTimeoutAtMs' in none, false);
});

test('timers: the step timer never outlasts the in-progress deadline (the documented 20-minute example)', () => {
  // §9 / jobs-configurations-details: 12:00 start with 20 min; 12:05 step 7; 12:10 step 5; 12:13 step 9.
  const noon = T0;
  let e = accepted(applyDeviceUpdate(exec('QUEUED'), { status: 'IN_PROGRESS' }, { nowMs: noon, inProgressTimeoutInMinutes: 20 }));
  e = accepted(applyDeviceUpdate(e, { status: 'IN_PROGRESS', stepTimeoutInMinutes: 7 }, { nowMs: noon + 5 * MIN }));
  assert.deepEqual(nextTimeout(e), { atMs: noon + 12 * MIN, which: 'step' });
  e = accepted(applyDeviceUpdate(e, { status: 'IN_PROGRESS', stepTimeoutInMinutes: 5 }, { nowMs: noon + 10 * MIN }));
  assert.deepEqual(nextTimeout(e), { atMs: noon + 15 * MIN, which: 'step' });
  e = accepted(applyDeviceUpdate(e, { status: 'IN_PROGRESS', stepTimeoutInMinutes: 9 }, { nowMs: noon + 13 * MIN }));
  assert.deepEqual(nextTimeout(e), { atMs: noon + 20 * MIN, which: 'in-progress' });
  assert.equal(approximateSecondsBeforeTimedOut(e, noon + 13 * MIN), 7 * 60);
});

test('timers: terminal updates clear them; approximateSecondsBeforeTimedOut', () => {
  const running = exec('IN_PROGRESS', { stepTimeoutAtMs: NOW + 90_500, inProgressTimeoutAtMs: NOW + 10 * MIN });
  assert.equal(approximateSecondsBeforeTimedOut(running, NOW), 91, 'rounded up');
  assert.equal(approximateSecondsBeforeTimedOut(running, NOW + 90_500), 0);
  assert.equal(approximateSecondsBeforeTimedOut(running, NOW + 5 * MIN), 0, 'never negative');
  const done = accepted(update(running, { status: 'SUCCEEDED', stepTimeoutInMinutes: 5 }));
  assert.equal('stepTimeoutAtMs' in done, false);
  assert.equal('inProgressTimeoutAtMs' in done, false);
  assert.equal(approximateSecondsBeforeTimedOut(done, NOW), undefined);
  assert.equal(approximateSecondsBeforeTimedOut(exec('IN_PROGRESS'), NOW), undefined, 'no timer running');
  // A QUEUED execution carries no running timer even if fields were left behind.
  assert.equal(nextTimeoutAtMs(exec('QUEUED', { stepTimeoutAtMs: NOW })), undefined);
});

// ---------------------------------------------------------------------------
// StartNextPendingJobExecution

test('startNext: QUEUED starts with statusDetails and step timer', () => {
  const r = startNext(exec('QUEUED'), { statusDetails: { step: 'picked' }, stepTimeoutInMinutes: 3 }, { nowMs: NOW, inProgressTimeoutInMinutes: 60 });
  assert.ok(r.ok);
  assert.equal(r.changed, true);
  assert.equal(r.next.status, 'IN_PROGRESS');
  assert.deepEqual(r.next.statusDetails, { step: 'picked' });
  assert.equal(r.next.startedAtMs, NOW);
  assert.equal(r.next.stepTimeoutAtMs, NOW + 3 * MIN);
  assert.equal(r.next.inProgressTimeoutAtMs, NOW + 60 * MIN);
  assert.equal(r.next.versionNumber, 4);
});

test('startNext: an IN_PROGRESS execution is returned unchanged, request not applied', () => {
  const current = exec('IN_PROGRESS', { stepTimeoutAtMs: NOW + MIN });
  const r = startNext(current, { statusDetails: { step: 'again' }, stepTimeoutInMinutes: 30 }, { nowMs: NOW });
  assert.ok(r.ok);
  assert.equal(r.changed, false);
  assert.equal(r.next, current);
});

test('startNext: refuses bad fields and non-pending executions', () => {
  const bad = startNext(exec('QUEUED'), { statusDetails: { 'bad key': 'x' } }, { nowMs: NOW });
  assert.equal(bad.ok, false);
  assert.equal(!bad.ok && bad.code, IR);
  assert.equal(!startNext(exec('QUEUED'), { stepTimeoutInMinutes: 0 }, { nowMs: NOW }).ok, true);
  const done = startNext(exec('SUCCEEDED'), {}, { nowMs: NOW });
  assert.equal(!done.ok && done.code, IST);
});

// ---------------------------------------------------------------------------
// Service transitions: every event × every from status

const DUE = { stepTimeoutAtMs: NOW - 1, inProgressTimeoutAtMs: NOW };
const SERVICE_EVENTS: Array<{ name: string; event: ServiceEvent; to: JobExecutionStatus; allowedFrom: JobExecutionStatus[] }> = [
  { name: 'cancel', event: { kind: 'cancel', force: false }, to: 'CANCELED', allowedFrom: ['QUEUED'] },
  { name: 'force-cancel', event: { kind: 'cancel', force: true }, to: 'CANCELED', allowedFrom: ['QUEUED', 'IN_PROGRESS'] },
  { name: 'step timeout', event: { kind: 'timeout', which: 'step' }, to: 'TIMED_OUT', allowedFrom: ['IN_PROGRESS'] },
  { name: 'in-progress timeout', event: { kind: 'timeout', which: 'in-progress' }, to: 'TIMED_OUT', allowedFrom: ['IN_PROGRESS'] },
  { name: 'remove', event: { kind: 'remove' }, to: 'REMOVED', allowedFrom: ['QUEUED', 'IN_PROGRESS'] },
  { name: 'retry', event: { kind: 'retry' }, to: 'QUEUED', allowedFrom: ['FAILED', 'TIMED_OUT'] },
];

for (const { name, event, to, allowedFrom } of SERVICE_EVENTS) {
  for (const from of JOB_EXECUTION_STATUSES) {
    const allowed = allowedFrom.includes(from);
    test(`service ${name} from ${from}: ${allowed ? `→ ${to}` : IST}`, () => {
      const current = exec(from, DUE);
      const r = applyServiceTransition(current, event, NOW);
      if (!allowed) {
        refused(r, IST);
        return;
      }
      const next = accepted(r);
      assert.equal(next.status, to);
      // A retry is a new execution (its own version 1); every other event bumps the version.
      assert.equal(next.versionNumber, event.kind === 'retry' ? 1 : current.versionNumber + 1);
      assert.equal(next.lastUpdatedAtMs, NOW);
      assert.equal('stepTimeoutAtMs' in next, false);
      assert.equal('inProgressTimeoutAtMs' in next, false);
    });
  }
}

test('cancel: forceCanceled records force; statusDetails and expectedVersion (CancelJobExecution)', () => {
  assert.equal(accepted(applyServiceTransition(exec('IN_PROGRESS'), { kind: 'cancel', force: true }, NOW)).forceCanceled, true);
  assert.equal(accepted(applyServiceTransition(exec('QUEUED'), { kind: 'cancel', force: false }, NOW)).forceCanceled, false);
  const withDetails = accepted(applyServiceTransition(exec('QUEUED'), { kind: 'cancel', force: false, statusDetails: { reason: 'operator' }, expectedVersion: 3 }, NOW));
  assert.deepEqual(withDetails.statusDetails, { reason: 'operator' });
  refused(applyServiceTransition(exec('QUEUED'), { kind: 'cancel', force: false, expectedVersion: 2 }, NOW), 'VersionMismatch');
  refused(applyServiceTransition(exec('QUEUED'), { kind: 'cancel', force: false, statusDetails: { k: '' } }, NOW), IR);
  assert.match(refused(applyServiceTransition(exec('IN_PROGRESS'), { kind: 'cancel', force: false }, NOW), IST), /force/);
});

test('timeout: refused unless the named timer is running and due', () => {
  const running = exec('IN_PROGRESS', { stepTimeoutAtMs: NOW + 1, inProgressTimeoutAtMs: NOW + 10 * MIN });
  refused(applyServiceTransition(running, { kind: 'timeout', which: 'step' }, NOW), IST);
  accepted(applyServiceTransition(running, { kind: 'timeout', which: 'step' }, NOW + 1));
  refused(applyServiceTransition(running, { kind: 'timeout', which: 'in-progress' }, NOW + 1), IST);
  accepted(applyServiceTransition(running, { kind: 'timeout', which: 'in-progress' }, NOW + 10 * MIN));
  const noTimers = exec('IN_PROGRESS');
  refused(applyServiceTransition(noTimers, { kind: 'timeout', which: 'step' }, NOW + 99 * MIN), IST);
  refused(applyServiceTransition(noTimers, { kind: 'timeout', which: 'in-progress' }, NOW + 99 * MIN), IST);
  // The scheduler asks nextTimeout which timer fires, then applies it.
  const due = nextTimeout(running);
  assert.ok(due);
  assert.equal(accepted(applyServiceTransition(running, { kind: 'timeout', which: due.which }, due.atMs)).status, 'TIMED_OUT');
});

test('retry: a new QUEUED execution with the next executionNumber, retryAttempt+1, no startedAt, fresh statusDetails, visible at once', () => {
  const failed = exec('FAILED', { statusDetails: { reason: 'download failed' }, retryAttempt: 1 });
  const next = accepted(applyServiceTransition(failed, { kind: 'retry' }, NOW));
  assert.equal(next.status, 'QUEUED');
  assert.equal(next.retryAttempt, 2);
  assert.equal('startedAtMs' in next, false);
  assert.deepEqual(next.statusDetails, {});
  assert.equal(next.executionNumber, failed.executionNumber + 1);
  assert.equal(next.notifiedAtMs, NOW);
  // The new attempt starts its own in-progress timer.
  const restarted = accepted(applyDeviceUpdate(next, { status: 'IN_PROGRESS' }, { nowMs: NOW + MIN, inProgressTimeoutInMinutes: 5 }));
  assert.equal(restarted.startedAtMs, NOW + MIN);
  assert.equal(restarted.inProgressTimeoutAtMs, NOW + 6 * MIN);
});

test('service transitions never mutate their input', () => {
  for (const { event } of SERVICE_EVENTS) {
    for (const from of JOB_EXECUTION_STATUSES) {
      const current = exec(from, DUE);
      const before = structuredClone(current);
      applyServiceTransition(current, event, NOW);
      assert.deepEqual(current, before);
    }
  }
});

// ---------------------------------------------------------------------------
// Small helpers

test('isTerminal', () => {
  const terminal = JOB_EXECUTION_STATUSES.filter(isTerminal);
  assert.deepEqual(terminal, ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'REJECTED', 'REMOVED', 'CANCELED']);
});

test('executionStateOf is what rejected responses carry', () => {
  const e = exec('IN_PROGRESS', { statusDetails: { a: 'b' } });
  assert.deepEqual(executionStateOf(e), { status: 'IN_PROGRESS', statusDetails: { a: 'b' }, versionNumber: 3 });
});

test('refusalError maps refusals to domain errors the registry names per service', () => {
  const cases: Array<[RefusalCode, string, string | undefined]> = [
    ['InvalidRequest', 'InvalidInput', undefined],
    ['InvalidStateTransition', 'InvalidState', undefined],
    ['VersionMismatch', 'VersionConflict', undefined],
    ['TerminalState', 'InvalidState', 'terminal-state'],
  ];
  for (const [code, kind, reason] of cases) {
    const err = refusalError({ ok: false, code, message: 'm' });
    assert.ok(isFerryError(err));
    assert.equal(err.kind, kind);
    assert.equal(err.details.reason, reason);
    assert.equal(err.message, 'm');
  }
});

// ---------------------------------------------------------------------------
// Counters and job completion (§9)

test('countersFor counts each status', () => {
  const c = countersFor(['QUEUED', 'QUEUED', 'IN_PROGRESS', 'SUCCEEDED', 'FAILED', 'REJECTED', 'CANCELED', 'REMOVED', 'TIMED_OUT', 'SUCCEEDED']);
  assert.deepEqual(c, {
    numberOfQueuedThings: 2,
    numberOfInProgressThings: 1,
    numberOfSucceededThings: 2,
    numberOfFailedThings: 1,
    numberOfRejectedThings: 1,
    numberOfCanceledThings: 1,
    numberOfRemovedThings: 1,
    numberOfTimedOutThings: 1,
  });
  assert.deepEqual(countersFor([]), emptyCounters());
});

test('jobStatusAfter: a SNAPSHOT job completes when its rollout is done and every execution is terminal', () => {
  const snapshot = { targetSelection: 'SNAPSHOT' as const, rolloutComplete: true };
  assert.equal(jobStatusAfter('IN_PROGRESS', countersFor(['SUCCEEDED', 'FAILED', 'REJECTED', 'TIMED_OUT', 'REMOVED', 'CANCELED']), snapshot), 'COMPLETED');
  assert.equal(jobStatusAfter('IN_PROGRESS', countersFor(['SUCCEEDED', 'QUEUED']), snapshot), 'IN_PROGRESS');
  assert.equal(jobStatusAfter('IN_PROGRESS', countersFor(['SUCCEEDED', 'IN_PROGRESS']), snapshot), 'IN_PROGRESS');
  assert.equal(jobStatusAfter('IN_PROGRESS', countersFor([]), snapshot), 'COMPLETED', 'no targets left to run');
  assert.equal(jobStatusAfter('IN_PROGRESS', countersFor(['SUCCEEDED']), { ...snapshot, rolloutComplete: false }), 'IN_PROGRESS');
});

test('jobStatusAfter: CONTINUOUS jobs never complete; other job statuses are left alone', () => {
  const allDone = countersFor(['SUCCEEDED', 'SUCCEEDED']);
  assert.equal(jobStatusAfter('IN_PROGRESS', allDone, { targetSelection: 'CONTINUOUS', rolloutComplete: true }), 'IN_PROGRESS');
  for (const status of ['CANCELED', 'DELETION_IN_PROGRESS', 'COMPLETED', 'SCHEDULED'] as const) {
    assert.equal(jobStatusAfter(status, allDone, { targetSelection: 'SNAPSHOT', rolloutComplete: true }), status);
  }
});
