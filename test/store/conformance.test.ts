import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { engines, openTestStore } from '../helpers/stores.js';
import { getOrCreateSetting } from '../../src/store/settings.js';
import { AccessKeys } from '../../src/iam/access-keys.js';
import { migrations } from '../../src/store/migrations/index.js';
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
        const keys = new AccessKeys(store.db, '123456789012');
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
        const keys = new AccessKeys(store.db, '123456789012');
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
            secret_access_key: 's',
            kind: 'role-session',
            principal_arn: 'arn:aws:sts::123456789012:assumed-role/r/s',
            role_arn: 'arn:aws:iam::123456789012:role/r',
            session_token: 'tok',
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
