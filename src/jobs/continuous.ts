/**
 * CONTINUOUS jobs (aws-wire-protocols.md §9): a job on thing groups that
 * keeps following them. A thing that comes to be targeted — it joins a
 * target group directly, through a child group, or because a dynamic
 * group's query starts to match — gets a QUEUED execution (and its device a
 * notification); a thing that stops being targeted before its execution
 * started has it REMOVED (AWS's rule; an IN_PROGRESS one runs on). A thing
 * that left and comes back gets a new execution (the next execution number,
 * retry count 0). AssociateTargetsWithJob adds targets to such a job.
 */
import { sql } from 'kysely';
import { invalidInput, limitExceeded, notFound } from '../errors.js';
import type { Registry } from '../registry/index.js';
import type { Changes } from './changes.js';
import { isPaced, joinsOutsideRate, queueJoiners } from './create.js';
import { findExecution, findJob, moveCounters, recount } from './queries.js';
import { executionRow, jobOf, type JobRow } from './rows.js';
import { applyServiceTransition } from './state-machine.js';
import { advanceRollout } from './rollout.js';
import { expandTargets, MAX_TARGETS } from './targets.js';
import type { Job } from './job.js';
import { commitExecution, inTransaction, lockedJob, settleJob, track, type EngineDeps, type Unit } from './unit.js';

export interface ContinuousDeps extends EngineDeps {
  registry: Registry;
}

/** The ARNs that target a thing: its own and those of its groups (static and dynamic) and their ancestors. */
async function arnsTargeting(deps: ContinuousDeps, thingName: string): Promise<Set<string>> {
  const direct = await deps.db.selectFrom('iot_thing_group_members').select('group_name').where('thing_name', '=', thingName).execute();
  const groups = await deps.registry.thingGroups.withAncestors(deps.db, direct.map((r) => r.group_name));
  return new Set([deps.registry.arns.thing(thingName), ...groups.map((g) => deps.registry.arns.thingGroup(g))]);
}

/** A thing's group membership changed: each IN_PROGRESS continuous job now reaching it queues, each no longer reaching it removes. */
export async function followMembership(deps: ContinuousDeps, thingName: string): Promise<Changes[]> {
  const jobs = await deps.db.selectFrom('jobs').select('job_id').where('target_selection', '=', 'CONTINUOUS').where('status', '=', 'IN_PROGRESS').execute();
  if (jobs.length === 0) return [];
  const targeting = await arnsTargeting(deps, thingName);
  const thingExists = await deps.registry.things.exists(thingName);
  const out: Changes[] = [];
  for (const { job_id } of jobs) {
    const { changes } = await inTransaction(deps, async (u) => {
      const row = await lockedJob(u, job_id);
      if (row.status !== 'IN_PROGRESS') return;
      const targeted = thingExists && jobOf(row).targets.some((arn) => targeting.has(arn));
      const latest = await findExecution(u.trx, job_id, thingName);
      if (targeted) await join(u, row, thingName, latest?.status === 'REMOVED' ? latest.executionNumber + 1 : latest ? undefined : 1);
      else if (latest?.status === 'QUEUED') {
        const result = applyServiceTransition(latest, { kind: 'remove' }, u.nowMs);
        if (result.ok) await commitExecution(u, latest, result.next);
      }
      await settleJob(u, job_id);
    });
    out.push(changes);
  }
  return out;
}

/** Queues execution number `executionNumber` (none: the thing already has its execution). */
async function join(u: Unit, row: JobRow, thingName: string, executionNumber: number | undefined): Promise<void> {
  if (executionNumber === undefined) return;
  const outsideRate = joinsOutsideRate(row, u.nowMs);
  if (executionNumber === 1) {
    await queueJoiners(u, row, [thingName], outsideRate);
    await moveCounters(u.trx, row.job_id, undefined, 'QUEUED', u.nowMs);
    return;
  }
  await track(u, thingName);
  const exec = {
    jobId: row.job_id,
    thingName,
    status: 'QUEUED' as const,
    statusDetails: {},
    queuedAtMs: u.nowMs,
    lastUpdatedAtMs: u.nowMs,
    executionNumber,
    versionNumber: 1,
    retryAttempt: 0,
    forceCanceled: false,
    // Notified at once unless the job is paced and the joiner must wait for it (joinsOutsideRate).
    ...(isPaced(row) && !outsideRate ? {} : { notifiedAtMs: u.nowMs }),
  };
  await u.trx.insertInto('job_executions').values(executionRow(exec)).execute();
  if (exec.notifiedAtMs !== undefined) await u.trx.updateTable('jobs').set({ n_notified: sql`n_notified + 1` }).where('job_id', '=', row.job_id).execute();
  await moveCounters(u.trx, row.job_id, undefined, 'QUEUED', u.nowMs);
  u.changes.changed(undefined, exec);
  // Left for the pacer, which may have had nothing left to do: it looks again now.
  if (exec.notifiedAtMs === undefined) await advanceRollout(u, row.job_id);
}

/**
 * AssociateTargetsWithJob: more thing or thing-group targets for an IN_PROGRESS
 * continuous job (at most 100 in all); things they reach that have no
 * execution of the job get one.
 */
export async function associateTargets(deps: ContinuousDeps, jobId: string, targets: string[], comment?: string): Promise<{ value: Job; changes: Changes }> {
  if (comment !== undefined && comment.length > 2028) throw invalidInput('comment must be at most 2028 characters.');
  // Refusals about the job come before looking the targets up (checked again under the lock).
  const found = await findJob(deps.db, jobId);
  if (!found) throw notFound('job', `Job ${jobId} does not exist.`);
  checkAssociable(found, targets);
  const things = await expandTargets(deps.registry, targets);
  return inTransaction(deps, async (u) => {
    const row = await lockedJob(u, jobId);
    const { current, added } = checkAssociable(row, targets);
    if (added.length > 0) {
      await u.trx.updateTable('jobs').set({ targets: JSON.stringify([...current, ...added]), comment: comment ?? row.comment, last_updated_at: u.nowMs }).where('job_id', '=', jobId).execute();
      await u.trx.insertInto('job_targets').values(added.map((target_arn) => ({ job_id: jobId, target_arn }))).execute();
    }
    const existing = new Set((await u.trx.selectFrom('job_executions').select('thing_name').where('job_id', '=', jobId).execute()).map((r) => r.thing_name));
    const fresh = things.filter((t) => !existing.has(t));
    if (fresh.length > 0) {
      await queueJoiners(u, row, fresh);
      await recount(u.trx, jobId, u.nowMs);
    }
    return jobOf((await settleJob(u, jobId))!);
  });
}

/** Only an IN_PROGRESS continuous job takes targets, up to 100 in all (AWS's limit and errors). */
function checkAssociable(row: JobRow, targets: string[]): { current: string[]; added: string[] } {
  if (row.target_selection !== 'CONTINUOUS') throw invalidInput(`Job ${row.job_id} is a SNAPSHOT job: targets can be associated with continuous jobs only.`);
  if (row.status !== 'IN_PROGRESS') throw invalidInput(`Job ${row.job_id} is ${row.status}: targets can be associated only while the job is IN_PROGRESS.`);
  const current = jobOf(row).targets;
  const added = [...new Set(targets)].filter((t) => !current.includes(t));
  if (current.length + added.length > MAX_TARGETS) {
    throw limitExceeded('job', `Job ${row.job_id} would have ${current.length + added.length} targets; a job may have at most ${MAX_TARGETS}.`);
  }
  return { current, added };
}

