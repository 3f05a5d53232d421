import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AdjustableClock } from '../../src/clock.js';
import { ConsoleSessions } from '../../src/console/sessions.js';

const who = { accessKeyId: 'AKIAEXAMPLE', arn: 'arn:aws:iam::123456789012:root', kind: 'root' };

test('console sessions: a session used within the idle timeout lives until its absolute lifetime, then ends', () => {
  const clock = new AdjustableClock();
  const sessions = new ConsoleSessions(clock, { idleMs: 30 * 60_000, absoluteMs: 2 * 3600_000 });
  const { id } = sessions.create(who);
  for (let i = 0; i < 4; i++) {
    clock.advance(29 * 60_000);
    assert.ok(sessions.use(id), `alive after ${(i + 1) * 29} minutes of use`);
  }
  clock.advance(5 * 60_000);
  assert.equal(sessions.use(id), undefined, 'ended at the absolute lifetime although in use');
});

test('console sessions: idle timeout, sign-out and "everywhere" end sessions; other keys keep theirs', () => {
  const clock = new AdjustableClock();
  const sessions = new ConsoleSessions(clock);
  const idle = sessions.create(who).id;
  clock.advance(30 * 60_000);
  assert.equal(sessions.use(idle), undefined);
  const a = sessions.create(who).id;
  const b = sessions.create(who).id;
  const other = sessions.create({ ...who, accessKeyId: 'AKIAOTHER' }).id;
  sessions.end(a);
  assert.equal(sessions.use(a), undefined);
  assert.ok(sessions.use(b));
  assert.equal(sessions.endAllOf(who.accessKeyId), 1);
  assert.equal(sessions.use(b), undefined);
  assert.ok(sessions.use(other));
  assert.equal(sessions.use('not-a-session'), undefined);
});
