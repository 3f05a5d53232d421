import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateThingCommand } from '@aws-sdk/client-iot';
import { clusterSkipReason, startTestCluster } from './helpers.js';
import { createJob } from '../jobs/helpers.js';
import { createdAtMs, MINUTE, names, notifiedCount } from '../jobs/rollout-helpers.js';
import { claimDueRollouts } from '../../src/jobs/rollout.js';

const skip = clusterSkipReason();

test('a rollout step claimed by a node that then died runs once, on another node, after its lease; concurrent nodes release one minute\'s quota, not one each', { skip }, async (t) => {
  const cluster = await startTestCluster(3, { jobsTickMs: 3_600_000 });
  t.after(() => cluster.close());
  const [a, b, c] = cluster.nodes as [typeof cluster.nodes[0], typeof cluster.nodes[0], typeof cluster.nodes[0]];
  const things = names('paced_', 10);
  for (const thingName of things) await a.iot().send(new CreateThingCommand({ thingName }));
  await createJob(a, { jobId: 'paced', things, document: '{}', jobExecutionsRolloutConfig: { maximumPerMinute: 2 } });
  const t0 = await createdAtMs(a, 'paced');
  assert.equal(await notifiedCount(a, 'paced'), 2);
  const moveTo = (node: typeof a, at: number) => node.clock.advance(at - node.clock.now());

  // B's clock reaches the next minute first: it claims the step, then dies before taking it.
  moveTo(b, t0 + MINUTE);
  const store = b.server.ctx.store;
  assert.deepEqual(await claimDueRollouts(store.db, store.dialect, { nowMs: b.clock.now(), limit: 10, owner: b.server.ctx.cluster.nodeId, leaseMs: 30_000 }), ['paced']);
  await b.close();
  moveTo(a, t0 + MINUTE + 1000);
  moveTo(c, t0 + MINUTE + 1000);
  await Promise.all([a.server.ctx.services.jobs.tick(), c.server.ctx.services.jobs.tick()]);
  assert.equal(await notifiedCount(a, 'paced'), 2, 'B\'s lease still holds the step');

  moveTo(a, t0 + MINUTE + 31_000);
  moveTo(c, t0 + MINUTE + 31_000);
  await Promise.all([a.server.ctx.services.jobs.tick(), c.server.ctx.services.jobs.tick(), a.server.ctx.services.jobs.tick(), c.server.ctx.services.jobs.tick()]);
  assert.equal(await notifiedCount(a, 'paced'), 4, 'taken over once, one minute\'s quota');

  moveTo(a, t0 + 2 * MINUTE);
  moveTo(c, t0 + 2 * MINUTE);
  await Promise.all([a.server.ctx.services.jobs.tick(), c.server.ctx.services.jobs.tick()]);
  assert.equal(await notifiedCount(a, 'paced'), 6);
});
