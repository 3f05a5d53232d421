/**
 * Dynamic thing groups' whole-fleet evaluations as stored work claimed under
 * leases (src/jobs/leases.ts), so each runs on one node of a cluster at a time
 * and survives that node's death: a group is due from its creation or query
 * change (build_due) until it is ACTIVE; the node evaluating it records, step
 * by step, the last thing done (build_after) and renews its lease; a node that
 * finds the lease run out takes the group over and resumes after that thing.
 */
import type { SqlDialect } from '../store/db.js';
import { claimDue, type Claim } from '../jobs/leases.js';
import type { Db } from '../registry/deps.js';

export interface ClaimedBuild {
  name: string;
  queryString: string;
  /** Resume after this thing (undefined: from the first). */
  after: string | undefined;
}

const BUILDS = { table: 'iot_thing_groups', keys: ['group_name'], due: 'build_due', owner: 'build_owner', leaseUntil: 'build_lease_until' } as const;

/** Claims up to `limit` due evaluations for `owner` until `nowMs + leaseMs`, each with where it stopped. */
export async function claimBuilds(db: Db, dialect: SqlDialect, claim: Claim): Promise<ClaimedBuild[]> {
  const names = (await claimDue(db, dialect, BUILDS, claim)).map((r) => String(r.group_name));
  if (names.length === 0) return [];
  const rows = await db
    .selectFrom('iot_thing_groups')
    .select(['group_name', 'query_string', 'build_after'])
    .where('group_name', 'in', names)
    .where('build_owner', '=', claim.owner)
    .where('query_string', 'is not', null)
    .execute();
  return rows.map((r) => ({ name: r.group_name, queryString: r.query_string!, after: r.build_after ?? undefined }));
}

/**
 * `owner` has evaluated the group's query up to `after`: stored, and its lease
 * renewed. False when it no longer holds the evaluation (the query changed, or
 * another node took it over after the lease ran out): it must stop.
 */
export async function recordProgress(db: Db, build: ClaimedBuild, owner: string, after: string, leaseUntil: number): Promise<boolean> {
  const result = await db
    .updateTable('iot_thing_groups')
    .set({ build_after: after, build_lease_until: leaseUntil })
    .where('group_name', '=', build.name)
    .where('build_owner', '=', owner)
    .where('query_string', '=', build.queryString)
    .where('build_due', 'is not', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** The whole fleet is evaluated: the group is ACTIVE, nothing is due. False when `owner` no longer held it. */
export async function finishBuild(db: Db, build: ClaimedBuild, owner: string): Promise<boolean> {
  const result = await db
    .updateTable('iot_thing_groups')
    .set({ dynamic_status: 'ACTIVE', build_due: null, build_owner: null, build_lease_until: null, build_after: null })
    .where('group_name', '=', build.name)
    .where('build_owner', '=', owner)
    .where('query_string', '=', build.queryString)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Gives back the evaluations `owner` held before it (re)started: what it was
 * doing died with its previous process, and the node need not wait out its own
 * lease. Single-node (SQLite) its owner is always `local`; a cluster node gets a new
 * id each start, so there its old claims are left to their leases, as another node's.
 */
export async function releaseOwn(db: Db, owner: string): Promise<void> {
  await db.updateTable('iot_thing_groups').set({ build_owner: null, build_lease_until: null }).where('build_owner', '=', owner).execute();
}
