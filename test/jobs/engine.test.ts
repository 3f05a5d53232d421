import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Announced, JobsAnnouncement } from '../../src/jobs/index.js';
import { heardBy } from './announcements.js';
import type { Principal } from '../../src/iam/principal.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { engines } from '../helpers/stores.js';

const THINGS = 40;

/** A device operation's value, once its announcements (sent after the reply on MQTT) are out. */
async function announced<T>(operation: Promise<Announced<T>>): Promise<T> {
  const done = await operation;
  await done.announce();
  return done.value;
}

/** The engine through its own API, on each storage engine: exact counters and state changes under concurrency. */
for (const { engine, skip } of engines()) {
  describe(`jobs engine on ${engine}`, { skip }, () => {
    async function setup(t: { after(fn: () => Promise<void>): void }) {
      const ts = await startTestServer({ engine });
      t.after(() => ts.close());
      const jobs = ts.server.ctx.services.jobs;
      const root: Principal = { kind: 'root', arn: `arn:aws:iam::${ts.endpoints.accountId}:root`, accountId: ts.endpoints.accountId, accessKeyId: ts.credentials.accessKeyId };
      const things = Array.from({ length: THINGS }, (_, i) => `thing_${String(i).padStart(2, '0')}`);
      for (const name of things) await ts.server.ctx.services.registry.things.create({ name });
      const heard: JobsAnnouncement[] = [];
      jobs.announceTo(heardBy(heard));
      const arn = (thing: string) => ts.server.ctx.services.registry.arns.thing(thing);
      return { ts, jobs, root, things, heard, arn };
    }

    test('an announcer that stops listening while it is told does not make the next one miss the announcement', async (t) => {
      const { jobs, root, things, heard, arn } = await setup(t);
      const once: JobsAnnouncement[] = [];
      const later: JobsAnnouncement[] = [];
      const listener = heardBy(once);
      const stop = jobs.announceTo({ ...listener, pendingChanged: async (changes) => (stop(), listener.pendingChanged(changes)) });
      jobs.announceTo(heardBy(later));
      await jobs.createJob(root, { jobId: 'told', targets: [arn(things[0]!)], document: '{"op":"x"}' });
      await jobs.settled();
      assert.equal(once.length, 1);
      assert.deepEqual(later, heard.slice(-later.length));
      assert.ok(later.some((a) => a.kind === 'pending'), 'the announcer after the one that stopped heard the pending change');
    });

    test('concurrent device updates and cancels leave counters equal to the executions, and the job completes once', async (t) => {
      const { jobs, root, things, heard, arn } = await setup(t);
      await jobs.createJob(root, { jobId: 'many', targets: things.map(arn), document: '{"op":"x"}' });
      const expected = { SUCCEEDED: 0, FAILED: 0, CANCELED: 0, REJECTED: 0 };
      await Promise.all(
        things.map(async (thing, i) => {
          if (i % 10 === 9) {
            await jobs.cancelExecution('many', thing, { force: false });
            expected.CANCELED++;
            return;
          }
          const started = await jobs.startNext(thing, { statusDetails: { step: 'start' } });
          assert.equal(started.value.ok, true);
          await started.announce();
          for (let n = 0; n < 3; n++) assert.equal((await announced(jobs.update(thing, 'many', { status: 'IN_PROGRESS', statusDetails: { n: String(n) } }, { includeJobDocument: false }))).ok, true);
          const end = i % 4 === 0 ? 'FAILED' : i % 7 === 0 ? 'REJECTED' : 'SUCCEEDED';
          assert.equal((await announced(jobs.update(thing, 'many', { status: end }, { includeJobDocument: false }))).ok, true);
          expected[end]++;
        }),
      );
      const job = await jobs.describeJob('many');
      assert.equal(job.status, 'COMPLETED');
      assert.deepEqual(job.counters, {
        numberOfQueuedThings: 0,
        numberOfInProgressThings: 0,
        numberOfSucceededThings: expected.SUCCEEDED,
        numberOfFailedThings: expected.FAILED,
        numberOfRejectedThings: expected.REJECTED,
        numberOfCanceledThings: expected.CANCELED,
        numberOfRemovedThings: 0,
        numberOfTimedOutThings: 0,
      });
      const executions = (await jobs.listExecutionsForJob('many', { limit: 250 })).items;
      const byStatus = (s: string) => executions.filter((e) => e.status === s).length;
      assert.deepEqual([byStatus('SUCCEEDED'), byStatus('FAILED'), byStatus('REJECTED'), byStatus('CANCELED')], [expected.SUCCEEDED, expected.FAILED, expected.REJECTED, expected.CANCELED]);
      assert.ok(executions.filter((e) => e.status !== 'CANCELED').every((e) => e.versionNumber === 6), 'queued, started, three updates, the end: six versions');
      assert.equal(heard.filter((a) => a.kind === 'job-event' && a.operation === 'completed').length, 1, 'completed exactly once');
    });

    test('racing requests on one execution: one StartNext starts it, one of two updates with the same expectedVersion wins', async (t) => {
      const { jobs, root, things, arn } = await setup(t);
      const thing = things[0]!;
      await jobs.createJob(root, { jobId: 'race', targets: [arn(thing)], document: '{}' });
      const starts = await Promise.all([1, 2, 3].map(() => jobs.startNext(thing, {})));
      const executions = starts.map((s) => (s.value.ok ? s.value.value?.execution : undefined));
      assert.ok(executions.every((e) => e?.status === 'IN_PROGRESS' && e.versionNumber === 2), 'every racer sees the one start');

      const updates = await Promise.all(['SUCCEEDED', 'FAILED'].map((status) => jobs.update(thing, 'race', { status, expectedVersion: 2 }, { includeJobDocument: false })));
      const won = updates.filter((u) => u.value.ok);
      const lost = updates.filter((u) => !u.value.ok);
      assert.equal(won.length, 1);
      assert.equal(lost.length, 1);
      const refusal = lost[0]!.value;
      assert.ok(!refusal.ok && refusal.refusal.code === 'VersionMismatch' && refusal.current.versionNumber === 3);
      const job = await jobs.describeJob('race');
      assert.equal(job.counters.numberOfSucceededThings + job.counters.numberOfFailedThings, 1);
      assert.equal(job.status, 'COMPLETED');
    });

    test('a cancel racing device updates: every execution ends in exactly one terminal state and the counters agree', async (t) => {
      const { jobs, root, things, arn } = await setup(t);
      await jobs.createJob(root, { jobId: 'cancel-race', targets: things.map(arn), document: '{}' });
      await Promise.all([
        ...things.map(async (thing) => {
          const s = await jobs.startNext(thing, {});
          if (s.value.ok && s.value.value) await jobs.update(thing, 'cancel-race', { status: 'SUCCEEDED' }, { includeJobDocument: false });
        }),
        jobs.cancelJob('cancel-race', { force: true }),
      ]);
      const executions = (await jobs.listExecutionsForJob('cancel-race', { limit: 250 })).items;
      const job = await jobs.describeJob('cancel-race');
      assert.equal(job.status, 'CANCELED');
      const c = job.counters;
      assert.equal(c.numberOfQueuedThings + c.numberOfInProgressThings, 0);
      assert.equal(c.numberOfSucceededThings, executions.filter((e) => e.status === 'SUCCEEDED').length);
      assert.equal(c.numberOfCanceledThings, executions.filter((e) => e.status === 'CANCELED').length);
      assert.equal(c.numberOfSucceededThings + c.numberOfCanceledThings, THINGS);
    });
  });
}

