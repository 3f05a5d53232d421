/**
 * The rollout pacer (aws-wire-protocols.md §9): how many things a job may
 * notify each minute (maximumPerMinute, exponentialRate), only inside its
 * maintenance windows, from its startTime until its endTime. A thing not yet
 * notified has a QUEUED execution the control plane counts but its device
 * never sees. The pacer's state (the minute it is in, how many it notified,
 * when it is due next) is stored on the job row and stepped under the job's
 * row lock by whichever node claims the due step (leases.ts).
 */
import type { RolloutConfig, SchedulingConfig } from './configs.js';
import { ratePerMinute } from './rollout-math.js';
import { evaluateAbort } from './abort.js';
import { cancelJobInUnit } from './control.js';
import { roomAtStart } from './concurrency.js';
import type { SqlDialect } from '../store/db.js';
import type { Changes } from './changes.js';
import { claimDue, type Claim } from './leases.js';
import { lockJob, pendingOfMany, recount, type Db } from './queries.js';
import { executionOf, jobOf, type JobRow } from './rows.js';
import { inTransaction, settleJob, type EngineDeps, type Unit } from './unit.js';
import { openWindow, nextWindowStarts } from './windows.js';

const MINUTE_MS = 60_000;
const NOTIFY_CHUNK = 500;

export interface PacerInput {
  rollout?: RolloutConfig | undefined;
  scheduling?: SchedulingConfig | undefined;
  awaiting: number;
  notified: number;
  succeeded: number;
  /** When the rollout began (startTime, else the job's creation): its minutes are counted from there. */
  beganAtMs: number;
  minuteStart: number | null;
  minuteCount: number;
}

export interface PacerStep {
  /** How many more things to notify now. */
  take: number;
  minuteStart: number | null;
  minuteCount: number;
  /** When to look again for the rollout's sake (undefined: it is done). */
  nextAtMs: number | undefined;
}

/**
 * One look of the pacer at `nowMs` (pure). Minutes run on a grid from the
 * rollout's start (inside a maintenance window, from the window's start), so
 * each minute's quota goes out at its start, and a minute missed (every node
 * down, the clock jumping) is not made up by a burst.
 */
export function paceAt(input: PacerInput, nowMs: number): PacerStep {
  const keep = { minuteStart: input.minuteStart, minuteCount: input.minuteCount };
  if (input.awaiting <= 0) return { take: 0, ...keep, nextAtMs: undefined };
  const windows = input.scheduling?.maintenanceWindows;
  const window = windows && openWindow(windows, nowMs);
  if (windows && !window) return { take: 0, ...keep, nextAtMs: nextWindowStarts(windows, nowMs, 1)[0] };
  const anchor = window ? window.startMs : Math.min(input.beganAtMs, nowMs);
  const start = anchor + Math.floor((nowMs - anchor) / MINUTE_MS) * MINUTE_MS;
  const count = start === input.minuteStart ? input.minuteCount : 0;
  const rate = ratePerMinute(input.rollout, input);
  const take = Math.min(input.awaiting, Math.max(0, rate - count));
  const rest = input.awaiting - take;
  return { take, minuteStart: start, minuteCount: count + take, nextAtMs: rest > 0 ? start + MINUTE_MS : undefined };
}

/** The earliest of the times given (undefined when none is). */
const earliest = (...times: Array<number | null | undefined>) => {
  const set = times.filter((t): t is number => typeof t === 'number');
  return set.length === 0 ? undefined : Math.min(...set);
};

/**
 * Steps the job's rollout at the unit's time: a SCHEDULED job whose startTime
 * has come starts; an endTime reached applies its endBehavior; the pacer
 * notifies this minute's quota; the abort criteria are looked at (the number
 * notified may have reached their minimum); the next look is stored.
 */
export async function advanceRollout(u: Unit, jobId: string): Promise<void> {
  let row = await lockJob(u.trx, u.dialect, jobId);
  if (!row) return;
  if (row.status === 'SCHEDULED' && row.start_at !== null && u.nowMs >= row.start_at) {
    // AWS's job limits: a scheduled job reaching its startTime with the concurrency quota full is CANCELED.
    if (!(await roomAtStart(u, jobId))) {
      const comment = `The job reached its schedulingConfig.startTime while the account's job concurrency limit (${u.maxConcurrentJobs}) was reached.`;
      await cancelJobInUnit(u, row, { force: false, reasonCode: 'JOB_CONCURRENCY_LIMIT_EXCEEDED', comment });
      await saveNext(u, jobId, {}, undefined);
      return;
    }
    await u.trx.updateTable('jobs').set({ status: 'IN_PROGRESS', last_updated_at: u.nowMs }).where('job_id', '=', jobId).execute();
    row = { ...row, status: 'IN_PROGRESS' };
  }
  if (row.status === 'IN_PROGRESS' && row.end_at !== null && row.end_done === 0 && u.nowMs >= row.end_at) row = await applyEndBehavior(u, row);
  if (row.status !== 'IN_PROGRESS' && row.status !== 'SCHEDULED') {
    await saveNext(u, jobId, {}, undefined);
    return;
  }
  if (row.status === 'SCHEDULED') {
    await saveNext(u, jobId, {}, row.start_at ?? undefined);
    return;
  }
  const step = paceAt(await pacerInputOf(u.trx, row), u.nowMs);
  const notified = step.take > 0 ? await notifyNext(u, jobId, step.take) : 0;
  const next = earliest(step.nextAtMs, row.end_done === 0 ? row.end_at : undefined);
  await saveNext(u, jobId, { rollout_minute_start: step.minuteStart, rollout_minute_count: step.minuteCount - (step.take - notified), n_notified: row.n_notified + notified }, next);
  if (notified > 0) await evaluateAbort(u, jobId);
  await settleJob(u, jobId);
}

/** What the pacer looks at for this job: its configs, the things still awaiting, this minute's count. */
export async function pacerInputOf(db: Db, row: JobRow): Promise<PacerInput> {
  const job = jobOf(row);
  return {
    rollout: job.rolloutConfig,
    scheduling: job.schedulingConfig,
    awaiting: await awaitingCount(db, row.job_id),
    notified: row.n_notified,
    succeeded: row.n_succeeded,
    beganAtMs: row.start_at ?? row.created_at,
    minuteStart: row.rollout_minute_start,
    minuteCount: row.rollout_minute_count,
  };
}

/** Things whose QUEUED execution the rollout has not reached (counted, not derived: executions may be deleted). */
export async function awaitingCount(db: Db, jobId: string): Promise<number> {
  const { n } = await db
    .selectFrom('job_executions')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('job_id', '=', jobId)
    .where('notified_at', 'is', null)
    .where('status', '=', 'QUEUED')
    .executeTakeFirstOrThrow();
  return Number(n);
}

async function saveNext(u: Unit, jobId: string, set: Partial<Pick<JobRow, 'rollout_minute_start' | 'rollout_minute_count' | 'n_notified'>>, nextAtMs: number | undefined): Promise<void> {
  await u.trx
    .updateTable('jobs')
    .set({ ...set, rollout_next_at: nextAtMs ?? null, rollout_owner: null, rollout_lease_until: null })
    .where('job_id', '=', jobId)
    .execute();
}

/** Rolls the job out to its next `count` things (in thing-name order): their executions become visible, their devices are told. */
async function notifyNext(u: Unit, jobId: string, count: number): Promise<number> {
  const rows = await u.trx
    .selectFrom('job_executions')
    .selectAll()
    .where('job_id', '=', jobId)
    .where('notified_at', 'is', null)
    .where('status', '=', 'QUEUED')
    .orderBy('thing_name')
    .limit(count)
    .execute();
  const executions = rows.map(executionOf);
  const things = executions.map((e) => e.thingName).filter((t) => !u.changes.knows(t));
  for (const [thing, pending] of await pendingOfMany(u.trx, things)) u.changes.track(thing, pending);
  for (let i = 0; i < executions.length; i += NOTIFY_CHUNK) {
    const chunk = executions.slice(i, i + NOTIFY_CHUNK).map((e) => e.thingName);
    await u.trx.updateTable('job_executions').set({ notified_at: u.nowMs }).where('job_id', '=', jobId).where('thing_name', 'in', chunk).where('notified_at', 'is', null).execute();
  }
  for (const exec of executions) u.changes.changed(exec, { ...exec, notifiedAtMs: u.nowMs });
  return executions.length;
}

/**
 * schedulingConfig.endTime reached (§9): STOP_ROLLOUT stops notifying — the
 * things not reached lose their (never seen) executions, the rest finish;
 * CANCEL cancels the QUEUED executions; FORCE_CANCEL the IN_PROGRESS ones too.
 */
async function applyEndBehavior(u: Unit, row: JobRow): Promise<JobRow> {
  const behavior = jobOf(row).schedulingConfig?.endBehavior ?? 'STOP_ROLLOUT';
  await u.trx.updateTable('jobs').set({ end_done: 1 }).where('job_id', '=', row.job_id).execute();
  if (behavior === 'STOP_ROLLOUT') {
    await u.trx.deleteFrom('job_executions').where('job_id', '=', row.job_id).where('notified_at', 'is', null).where('status', '=', 'QUEUED').execute();
    await recount(u.trx, row.job_id, u.nowMs);
  } else {
    const comment = `The job's schedulingConfig.endTime ${jobOf(row).schedulingConfig?.endTime} was reached (endBehavior ${behavior}).`;
    await cancelJobInUnit(u, row, { force: behavior === 'FORCE_CANCEL', reasonCode: 'SCHEDULE_ENDED', comment });
  }
  return (await settleJob(u, row.job_id)) ?? row;
}

const PACER = { table: 'jobs', keys: ['job_id'], due: 'rollout_next_at', owner: 'rollout_owner', leaseUntil: 'rollout_lease_until' } as const;

/** Claims up to `limit` jobs whose pacer is due, for `owner` until `nowMs + leaseMs` (see claimDue). */
export async function claimDueRollouts(db: Db, dialect: SqlDialect, claim: Claim): Promise<string[]> {
  return (await claimDue(db, dialect, PACER, claim)).map((r) => String(r.job_id));
}

/** One claimed pacer step in its own transaction (the step gives the lease back). */
export function stepRollout(deps: EngineDeps, jobId: string): Promise<{ value: void; changes: Changes }> {
  return inTransaction(deps, (u) => advanceRollout(u, jobId));
}
