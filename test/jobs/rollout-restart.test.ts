import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateThingCommand } from '@aws-sdk/client-iot';
import { startTestServer, tempDir } from '../helpers/server.js';
import { pgSkipReason, pgTestSchema } from '../helpers/postgres.js';
import { createJob } from './helpers.js';
import { advanceTo, createdAtMs, describeJob, MINUTE, names, notifiedCount, tick } from './rollout-helpers.js';

/** The pacer's stored state survives a restart: the rollout goes on from the minute it was in, the schedule from where it stood. */
describe('rollouts across restarts', () => {
  for (const engine of ['sqlite', 'postgres'] as const) {
    test(`a paced rollout and a scheduled job go on after a restart (${engine})`, { skip: engine === 'postgres' ? pgSkipReason() : false }, async (t) => {
      const pg = engine === 'postgres' ? await pgTestSchema() : undefined;
      const dataDir = tempDir();
      const first = await startTestServer({ dataDir, keepDataDir: true, jobsTickMs: 3_600_000, ...(pg ? { pg } : {}) });
      const things = names('restart_', 6);
      for (const thingName of things) await first.iot().send(new CreateThingCommand({ thingName }));
      await createJob(first, { jobId: 'paced', things, document: '{}', jobExecutionsRolloutConfig: { maximumPerMinute: 2 } });
      const start = Math.ceil((first.clock.now() + 40 * MINUTE) / MINUTE) * MINUTE;
      await createJob(first, { jobId: 'later', things, document: '{}', schedulingConfig: { startTime: new Date(start).toISOString().slice(0, 16) } });
      const t0 = await createdAtMs(first, 'paced');
      await first.stop();

      const second = await startTestServer({ dataDir, jobsTickMs: 3_600_000, ...(pg ? { pg } : {}) });
      t.after(async () => {
        await second.close();
        await pg?.drop();
      });
      assert.equal(await notifiedCount(second, 'paced'), 2);
      advanceTo(second, t0 + MINUTE);
      await tick(second);
      assert.equal(await notifiedCount(second, 'paced'), 4);
      assert.equal((await describeJob(second, 'later')).status, 'SCHEDULED');
      advanceTo(second, start);
      await tick(second);
      assert.deepEqual([(await describeJob(second, 'later')).status, await notifiedCount(second, 'later')], ['IN_PROGRESS', 6]);
    });
  }
});
