import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateThingCommand, DescribeJobCommand } from '@aws-sdk/client-iot';
import { clusterSkipReason, startTestCluster } from './helpers.js';
import { createJob, eventsObserver } from '../jobs/helpers.js';
import { claimDueTimeouts } from '../../src/jobs/timers.js';

const skip = clusterSkipReason();

test('a timer claimed by a node that then died fires exactly once, on another node, after its lease — by the nodes\' clocks', { skip }, async (t) => {
  const cluster = await startTestCluster(3);
  t.after(() => cluster.close());
  const [a, b, c] = cluster.nodes as [typeof cluster.nodes[0], typeof cluster.nodes[0], typeof cluster.nodes[0]];
  for (const name of ['t1', 't2']) await a.iot().send(new CreateThingCommand({ thingName: name }));
  await createJob(a, { jobId: 'timed', things: ['t1', 't2'], document: '{"operation":"wait"}', timeoutConfig: { inProgressTimeoutInMinutes: 1 } });
  for (const thing of ['t1', 't2']) await a.server.ctx.services.jobs.startNext(thing, {});
  const events = await eventsObserver(c);

  // B's clock reaches the deadline first: it claims both timers, then dies before firing them.
  b.clock.advance(61_000);
  const store = b.server.ctx.store;
  const claimed = await claimDueTimeouts(store.db, store.dialect, { nowMs: b.clock.now(), limit: 10, owner: b.server.ctx.cluster.nodeId, leaseMs: 30_000 });
  assert.equal(claimed.length, 2);
  await b.close();
  // The deadline passed on A and C, but B's lease has not: nothing fires.
  a.clock.advance(61_000);
  c.clock.advance(61_000);
  await Promise.all([a.server.ctx.services.jobs.tick(), c.server.ctx.services.jobs.tick()]);
  const during = await a.iot().send(new DescribeJobCommand({ jobId: 'timed' }));
  assert.equal(during.job?.jobProcessDetails?.numberOfInProgressThings, 2);
  // Past the lease: A and C both look at once; each timer fires once.
  a.clock.advance(31_000);
  c.clock.advance(31_000);
  await Promise.all([a.server.ctx.services.jobs.tick(), c.server.ctx.services.jobs.tick(), a.server.ctx.services.jobs.tick(), c.server.ctx.services.jobs.tick()]);
  const after = await a.iot().send(new DescribeJobCommand({ jobId: 'timed' }));
  assert.equal(after.job?.jobProcessDetails?.numberOfTimedOutThings, 2);
  assert.equal(after.job?.jobProcessDetails?.numberOfInProgressThings, 0);
  await a.server.ctx.services.jobs.settled();
  await c.server.ctx.services.jobs.settled();
  await events.box.next('$aws/events/jobExecution/timed/timed_out');
  await events.box.next('$aws/events/jobExecution/timed/timed_out');
  // A duplicate from the other node would have been published by now: both ticks and their announcements are done.
  await c.server.ctx.services.jobs.tick();
  assert.equal(events.box.all.filter((m) => m.topic === '$aws/events/jobExecution/timed/timed_out').length, 2, 'one event per timer, not one per node');
  events.client.end(true);
});
