import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { engines, openTestStore } from '../helpers/stores.js';
import { getOrCreateSetting } from '../../src/store/settings.js';
import { AccessKeys } from '../../src/iam/access-keys.js';
import { ephemeralSecretBox, tokenDigest } from '../../src/iam/secrets.js';
import { migrations } from '../../src/store/migrations/index.js';
import { claimDueRollouts } from '../../src/jobs/rollout.js';
import { AdjustableClock } from '../../src/clock.js';
import { makeCsr, testRegistry } from '../registry/helpers.js';
import { testLogger } from '../helpers/server.js';
import { readIndexingConfiguration, updateIndexingConfiguration } from '../../src/fleet/indexing-config.js';

/** One suite, run against every storage engine (aedes-persistence's abstract-suite pattern). */
for (const { engine, skip } of engines()) {
  describe(`store conformance [${engine}]`, { skip }, () => {
    test('migrations run once and are recorded in order', async () => {
      const { store, dispose } = await openTestStore(engine);
      try {
        const rows = await store.db.selectFrom('ferry_migrations' as never).select(sql<string>`name`.as('name')).execute();
        assert.deepEqual(
          rows.map((r) => (r as { name: string }).name),
          migrations.map((m) => m.name),
        );
      } finally {
        await dispose();
      }
    });

    test('settings: created once, then read back', async () => {
      const { store, dispose } = await openTestStore(engine);
      try {
        const first = await getOrCreateSetting(store.db, 'account-id', () => '111111111111');
        const second = await getOrCreateSetting(store.db, 'account-id', () => '222222222222');
        assert.equal(first, '111111111111');
        assert.equal(second, '111111111111');
      } finally {
        await dispose();
      }
    });

    test('concurrent first starts agree on one setting', async () => {
      const { store, dispose } = await openTestStore(engine);
      try {
        const values = await Promise.all(Array.from({ length: 8 }, (_, i) => getOrCreateSetting(store.db, 'race', () => `v${i}`)));
        assert.equal(new Set(values).size, 1);
      } finally {
        await dispose();
      }
    });

    test('epoch-millisecond columns read back as numbers', async () => {
      const { store, dispose } = await openTestStore(engine);
      try {
        const keys = new AccessKeys(store.db, '123456789012', ephemeralSecretBox());
        const now = 1_790_000_000_123;
        const root = await keys.rootKey(now);
        const row = await store.db.selectFrom('access_keys').selectAll().where('access_key_id', '=', root.accessKeyId).executeTakeFirstOrThrow();
        assert.equal(row.created_at, now);
        assert.equal(typeof row.created_at, 'number');
      } finally {
        await dispose();
      }
    });

    test('access keys: root key stable; unknown, wrong-token and expired keys refused', async () => {
      const { store, dispose } = await openTestStore(engine);
      try {
        const box = ephemeralSecretBox();
        const keys = new AccessKeys(store.db, '123456789012', box);
        const a = await keys.rootKey(1000);
        const b = await keys.rootKey(2000);
        assert.deepEqual(a, b);
        const resolved = await keys.resolve(a.accessKeyId, undefined, 3000);
        assert.equal(resolved.principal.kind, 'root');
        assert.equal(resolved.principal.arn, 'arn:aws:iam::123456789012:root');
        await assert.rejects(keys.resolve('AKIANOTAKEY', undefined, 3000), { kind: 'Unauthenticated', details: { reason: 'unknown-access-key' } });
        await store.db
          .insertInto('access_keys')
          .values({
            access_key_id: 'ASIATEMP',
            secret_access_key: box.seal('s'),
            kind: 'role-session',
            principal_arn: 'arn:aws:sts::123456789012:assumed-role/r/s',
            role_arn: 'arn:aws:iam::123456789012:role/r',
            session_token: tokenDigest('tok'),
            session_context: JSON.stringify({ 'credentials-iot:ThingName': 't1' }),
            created_at: 0,
            expires_at: 10_000,
          })
          .execute();
        const session = await keys.resolve('ASIATEMP', 'tok', 5000);
        assert.equal(session.principal.kind, 'role-session');
        await assert.rejects(keys.resolve('ASIATEMP', 'other', 5000), { details: { reason: 'invalid-token' } });
        await assert.rejects(keys.resolve('ASIATEMP', 'tok', 10_000), { details: { reason: 'expired-token' } });
      } finally {
        await dispose();
      }
    });

    test('rollouts: configurations, pacer state and notification times round-trip; a due pacer step is claimed once per lease', async () => {
      const { store, dispose } = await openTestStore(engine);
      try {
        const now = 1_790_000_000_000;
        const job = (job_id: string, rollout_next_at: number | null) => ({
          job_id,
          job_arn: `arn:aws:iot:r:1:job/${job_id}`,
          status: 'IN_PROGRESS',
          target_selection: 'SNAPSHOT',
          targets: '[]',
          description: null,
          document: '{}',
          document_source: null,
          s3_origins: '[]',
          presign_role_arn: null,
          presign_expires_sec: null,
          in_progress_timeout_minutes: null,
          force_canceled: 0,
          reason_code: null,
          comment: null,
          created_at: now,
          last_updated_at: now,
          completed_at: null,
          n_queued: 1,
          n_in_progress: 0,
          n_succeeded: 0,
          n_failed: 0,
          n_rejected: 0,
          n_canceled: 0,
          n_removed: 0,
          n_timed_out: 0,
          rollout_config: JSON.stringify({ maximumPerMinute: 10 }),
          abort_config: null,
          retry_config: null,
          scheduling_config: JSON.stringify({ startTime: '2026-12-03T10:00' }),
          start_at: now + 3_600_000,
          end_at: null,
          rollout_next_at,
          rollout_minute_start: now,
          rollout_minute_count: 7,
          n_notified: 7,
          end_done: 0,
          rollout_owner: null,
          rollout_lease_until: null,
        });
        await store.db.insertInto('jobs').values([job('due', now - 1), job('later', now + 60_000), job('idle', null)]).execute();
        await store.db
          .insertInto('job_executions')
          .values({ job_id: 'due', thing_name: 't', execution_number: 1, status: 'QUEUED', status_details: '{}', queued_at: now, started_at: null, last_updated_at: now, version_number: 1, retry_attempt: 0, step_timeout_at: null, in_progress_timeout_at: null, timeout_at: null, force_canceled: 0, notified_at: null })
          .execute();
        const row = await store.db.selectFrom('jobs').selectAll().where('job_id', '=', 'due').executeTakeFirstOrThrow();
        assert.deepEqual([JSON.parse(row.rollout_config!), row.start_at, row.rollout_minute_count, row.n_notified, typeof row.rollout_minute_start], [{ maximumPerMinute: 10 }, now + 3_600_000, 7, 7, 'number']);
        const exec = await store.db.selectFrom('job_executions').selectAll().where('job_id', '=', 'due').executeTakeFirstOrThrow();
        assert.equal(exec.notified_at, null, 'not rolled out yet');

        const claim = (owner: string, at: number) => claimDueRollouts(store.db, store.dialect, { nowMs: at, limit: 10, owner, leaseMs: 30_000 });
        const [first, second] = await Promise.all([claim('node-a', now), claim('node-b', now)]);
        assert.deepEqual([...first!, ...second!], ['due'], 'one node claims the due step; the others are not due');
        assert.deepEqual(await claim('node-b', now + 29_000), [], 'held while the lease lives');
        assert.deepEqual(await claim('node-b', now + 30_000), ['due'], 'taken over once the lease ran out');
      } finally {
        await dispose();
      }
    });

    test('a failed transaction changes nothing', async () => {
      const { store, dispose } = await openTestStore(engine);
      try {
        await assert.rejects(
          store.db.transaction().execute(async (trx) => {
            await trx.insertInto('ferry_settings').values({ name: 'in-tx', value: '1' }).execute();
            throw new Error('boom');
          }),
          /boom/,
        );
        const row = await store.db.selectFrom('ferry_settings').selectAll().where('name', '=', 'in-tx').executeTakeFirst();
        assert.equal(row, undefined);
      } finally {
        await dispose();
      }
    });

    test('certificate rotations: stored, retired once on the new certificate\'s use or, by two nodes racing, at the grace deadline', async () => {
      const { store, dispose } = await openTestStore(engine);
      const clock = new AdjustableClock();
      const [a, b] = [await testRegistry(store, clock), await testRegistry(store, clock)];
      const schedule = (owner: string) => ({ owner, leaseMs: 30_000, intervalMs: 3_600_000, logger: testLogger() });
      a.rotations.start(schedule('node-a'));
      b.rotations.start(schedule('node-b'));
      try {
        const rotatedThing = async (name: string, graceMs: number) => {
          await a.things.create({ name });
          const old = await a.certificates.createKeysAndCertificate(true);
          await a.principals.attach(name, old.certificate.arn);
          const rotation = await a.rotations.rotate({ thingName: name, csrPem: (await makeCsr(name)).pem, graceMs });
          return { old: old.certificate, rotation };
        };
        const status = async (id: string) => (await a.certificates.describe(id)).status;
        const attached = async (name: string) => (await a.principals.listForThing(name, {})).items.map((p) => p.principal).sort();

        // The new certificate's first use retires the old one at once; another certificate's use does nothing.
        const used = await rotatedThing('t-used', 3_600_000);
        assert.deepEqual(used.rotation.retiring.map((r) => r.certificateId), [used.old.id]);
        await b.rotations.certificateUsed(used.old.id);
        assert.equal(await status(used.old.id), 'ACTIVE');
        await b.rotations.certificateUsed(used.rotation.certificate.id);
        assert.equal(await status(used.old.id), 'INACTIVE');
        assert.deepEqual(await attached('t-used'), [used.rotation.certificate.arn]);
        assert.deepEqual(await a.rotations.pendingFor('t-used'), []);

        // Grace: nothing before the deadline; after it two nodes tick together and it is retired once.
        const graced = await rotatedThing('t-grace', 60_000);
        clock.advance(59_000);
        await Promise.all([a.rotations.tick(), b.rotations.tick()]);
        assert.equal(await status(graced.old.id), 'ACTIVE');
        clock.advance(2_000);
        await Promise.all([a.rotations.tick(), b.rotations.tick()]);
        assert.equal(await status(graced.old.id), 'INACTIVE');
        assert.equal(await status(graced.rotation.certificate.id), 'ACTIVE');
        assert.deepEqual(await attached('t-grace'), [graced.rotation.certificate.arn]);
        assert.deepEqual(await b.rotations.pendingFor('t-grace'), []);

        // A claim another node holds is left alone until its lease runs out (a node that died mid-retirement).
        const leased = await rotatedThing('t-leased', 1_000);
        clock.advance(1_000);
        await store.db.updateTable('iot_certificate_rotations').set({ timer_owner: 'node-dead', timer_lease_until: clock.now() + 30_000 }).execute();
        await a.rotations.tick();
        assert.equal(await status(leased.old.id), 'ACTIVE');
        clock.advance(30_000);
        await a.rotations.tick();
        assert.equal(await status(leased.old.id), 'INACTIVE');
        // A grace out of range is refused, and nothing is issued.
        await assert.rejects(a.rotations.rotate({ thingName: 't-leased', csrPem: (await makeCsr('x')).pem, graceMs: 0 }), { kind: 'InvalidInput' });
        assert.equal((await attached('t-leased')).length, 1);
      } finally {
        await Promise.all([a.rotations.stop(), b.rotations.stop()]);
        await dispose();
      }
    });

    test('dynamic thing groups: query columns read back; a repeated membership insert is a no-op that says so', async () => {
      const { store, dispose } = await openTestStore(engine);
      try {
        const group = { group_name: 'beta', group_id: 'g-1', parent_name: null, root_name: 'beta', depth: 1, description: null, attributes: '{}', version: 1, created_at: 1, modified_at: 1 };
        await store.db.insertInto('iot_thing_groups').values({ ...group, query_string: 'attributes.ring:beta', query_version: '2017-09-30', index_name: 'AWS_Things', dynamic_status: 'BUILDING' }).execute();
        await store.db.insertInto('iot_thing_groups').values({ ...group, group_name: 'static', group_id: 'g-2', root_name: 'static', query_string: null, query_version: null, index_name: null, dynamic_status: null }).execute();
        const dynamic = await store.db.selectFrom('iot_thing_groups').select(['group_name', 'query_string', 'dynamic_status']).where('query_string', 'is not', null).execute();
        assert.deepEqual(dynamic, [{ group_name: 'beta', query_string: 'attributes.ring:beta', dynamic_status: 'BUILDING' }]);
        const insert = () =>
          store.db
            .insertInto('iot_thing_group_members')
            .values({ group_name: 'beta', thing_name: 't1', added_at: 5 })
            .onConflict((oc) => oc.columns(['group_name', 'thing_name']).doNothing())
            .executeTakeFirst();
        assert.equal(Number((await insert()).numInsertedOrUpdatedRows), 1);
        assert.equal(Number((await insert()).numInsertedOrUpdatedRows), 0);
      } finally {
        await dispose();
      }
    });

    test('fleet indexing configuration: the default, then what was written, replaced whole', async () => {
      const { store, dispose } = await openTestStore(engine);
      try {
        assert.equal((await readIndexingConfiguration(store.db)).thingIndexingConfiguration.thingIndexingMode, 'REGISTRY');
        await updateIndexingConfiguration(store.db, { thingIndexingConfiguration: { thingIndexingMode: 'REGISTRY_AND_SHADOW', thingConnectivityIndexingMode: 'STATUS' } }, 0);
        await updateIndexingConfiguration(store.db, { thingGroupIndexingConfiguration: { thingGroupIndexingMode: 'ON' } }, 0);
        const config = await readIndexingConfiguration(store.db);
        assert.deepEqual(config.thingIndexingConfiguration, { thingIndexingMode: 'REGISTRY_AND_SHADOW', thingConnectivityIndexingMode: 'STATUS' });
        assert.deepEqual(config.thingGroupIndexingConfiguration, { thingGroupIndexingMode: 'ON' });
        await assert.rejects(updateIndexingConfiguration(store.db, { thingIndexingConfiguration: { thingIndexingMode: 'OFF' } }, 2), /dynamic thing group/);
        assert.equal((await readIndexingConfiguration(store.db)).thingIndexingConfiguration.thingIndexingMode, 'REGISTRY_AND_SHADOW');
      } finally {
        await dispose();
      }
    });
  });
}
