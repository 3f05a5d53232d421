import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AdjustableClock } from '../../src/clock.js';
import { ConsoleSessions, sessionDigest } from '../../src/console/sessions.js';
import { AccessKeys } from '../../src/iam/access-keys.js';
import { ephemeralSecretBox } from '../../src/iam/secrets.js';
import { engines, openTestStore } from '../helpers/stores.js';

const ACCOUNT = '123456789012';
const root = { kind: 'root' as const, arn: `arn:aws:iam::${ACCOUNT}:root`, signInKeyId: 'AKIAROOTEXAMPLE' };
const limits = { idleMs: 30 * 60_000, absoluteMs: 2 * 3600_000 };

for (const { engine, skip } of engines()) {
  describe(`console sessions on ${engine}`, { skip }, () => {
    async function setup() {
      const { store, dispose } = await openTestStore(engine);
      const clock = new AdjustableClock();
      const box = ephemeralSecretBox();
      const keys = new AccessKeys(store.db, ACCOUNT, box);
      const signIn = await keys.rootKey(clock.now());
      const sessions = new ConsoleSessions(store.db, clock, box);
      return { store, dispose, clock, keys, sessions, who: { ...root, signInKeyId: signIn.accessKeyId } };
    }

    test('a session used within the idle timeout lives until its absolute lifetime; its credential acts as root while it lives', async () => {
      const { dispose, clock, keys, sessions, who } = await setup();
      try {
        const { id, session } = await sessions.create(who, limits);
        const { accessKeyId, sessionToken } = session.credential;
        assert.match(accessKeyId, /^ASIA/);
        const resolved = await keys.resolve(accessKeyId, sessionToken, clock.now());
        assert.equal(resolved.principal.kind, 'root');
        assert.equal(resolved.secretAccessKey, session.credential.secretAccessKey);
        await assert.rejects(keys.resolve(accessKeyId, 'not-the-token', clock.now()));
        for (let i = 0; i < 4; i++) {
          clock.advance(29 * 60_000);
          assert.ok(await sessions.use(id), `alive after ${(i + 1) * 29} minutes of use`);
        }
        await keys.resolve(accessKeyId, sessionToken, clock.now());
        clock.advance(5 * 60_000);
        assert.equal(await sessions.use(id), undefined, 'ended at the absolute lifetime although in use');
        await assert.rejects(keys.resolve(accessKeyId, sessionToken, clock.now()), /expired|invalid/i);
      } finally {
        await dispose();
      }
    });

    test('only the id digest is stored; idle timeout, sign-out and "everywhere" end sessions and revoke their credentials', async () => {
      const { store, dispose, clock, keys, sessions, who } = await setup();
      try {
        const idle = await sessions.create(who, limits);
        const rows = await store.db.selectFrom('console_sessions').selectAll().execute();
        assert.equal(rows[0]!.id_digest, sessionDigest(idle.id));
        assert.ok(!JSON.stringify(rows).includes(idle.id), 'the id itself is not stored');
        assert.ok(!JSON.stringify(rows).includes(idle.session.credential.secretAccessKey), 'the secret is sealed');
        clock.advance(30 * 60_000);
        await assert.rejects(keys.resolve(idle.session.credential.accessKeyId, idle.session.credential.sessionToken, clock.now()), 'an idle session\'s credential is refused');
        assert.equal(await sessions.use(idle.id), undefined);
        const a = await sessions.create(who, limits);
        const b = await sessions.create(who, limits);
        const user = await sessions.create({ kind: 'user', arn: `arn:aws:iam::${ACCOUNT}:user/alice`, userId: 'AIDAALICE', signInKeyId: 'AKIAALICE' }, limits);
        await sessions.end(a.id);
        assert.equal(await sessions.use(a.id), undefined);
        await assert.rejects(keys.resolve(a.session.credential.accessKeyId, a.session.credential.sessionToken, clock.now()));
        assert.ok(await sessions.use(b.id));
        assert.equal(await sessions.endAllOf({ arn: who.arn }), 1);
        assert.equal(await sessions.use(b.id), undefined);
        assert.ok(await sessions.use(user.id), 'another identity keeps its session');
        assert.equal(await sessions.use('not-a-session'), undefined);
      } finally {
        await dispose();
      }
    });

    test('a session survives a new ConsoleSessions on the same database (another node, or a restart)', async () => {
      const { store, dispose, clock, sessions, who } = await setup();
      try {
        const { id } = await sessions.create(who, limits);
        const box2 = sessions as unknown as { box: ReturnType<typeof ephemeralSecretBox> };
        const other = new ConsoleSessions(store.db, clock, box2.box);
        assert.equal((await other.use(id))?.arn, who.arn);
      } finally {
        await dispose();
      }
    });
  });
}
