/**
 * The device policy `ferry policy create --device` writes lets an agent run
 * its jobs over the Jobs HTTPS data plane (`--transport https`), for its own
 * thing only; `policy test` judges those actions; and a rotated certificate's
 * first use over HTTPS retires the old one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { CreateJobCommand, DescribeJobExecutionCommand } from '@aws-sdk/client-iot';
import { agentOptionsFromKit, startAgent } from '../../src/agent/agent.js';
import { readKit } from '../../src/agent/kit.js';
import type { Operation } from '../../src/agent/types.js';
import { testLogger } from '../helpers/server.js';
import { closedPort, executionEnded, fastSettings } from '../agent/helpers.js';
import { ManualTimer } from '../agent/manual-timer.js';
import { cli, withDevicePolicy } from './helpers.js';

test('policy create --device: an agent with --transport https runs its job under it; policy test judges the Jobs HTTPS actions; a rotation retires the old certificate on the new one\'s first HTTPS use', async (t) => {
  const { s, d, work, ok } = await withDevicePolicy();
  const kit = join(work, 'kiosk-kit');
  const first = (await ok(['thing', 'create', 'kiosk-1', '--kit', kit, '--policy', 'device', '--json'])).json();
  await ok(['thing', 'create', 'kiosk-2', '--kit', join(work, 'other-kit'), '--policy', 'device']);

  // policy test: allowed on its own thing, refused on another's, for each Jobs HTTPS action.
  for (const action of ['get-pending-job-executions', 'start-next-pending-job-execution', 'describe-job-execution', 'update-job-execution']) {
    const own = (await ok(['policy', 'test', '--thing', 'kiosk-1', '--action', action, '--json'])).json();
    assert.equal(own.results[0].decision, 'ALLOWED', `${action}: ${own.results[0].why}`);
    assert.match(own.action, /^iot:[A-Z][a-zA-Z]+$/);
    assert.match(own.results[0].resource, /:thing\/kiosk-1$/);
    const other = (await ok(['policy', 'test', '--thing', 'kiosk-1', '--action', action, '--resource', 'kiosk-2', '--json'])).json();
    assert.equal(other.results[0].decision, 'IMPLICIT_DENY');
  }
  const bad = await cli(['policy', 'test', '--thing', 'kiosk-1', '--action', 'get-pending', ...d]);
  assert.equal(bad.code, 2);

  // The agent from the kit, over HTTPS only (the MQTT endpoint is a closed port).
  const timer = new ManualTimer();
  const ran: string[] = [];
  const hello: Operation = { name: 'hello', matches: (doc) => doc.operation === 'hello', run: async (job) => void ran.push(job.execution.jobId) };
  const agent = await startAgent({
    ...agentOptionsFromKit(readKit(kit), { dir: join(work, 'files') }),
    ...fastSettings,
    transport: 'https',
    mqttEndpoint: `mqtts://127.0.0.1:${await closedPort()}`,
    pollTimer: timer,
    operations: [hello],
    logger: testLogger(),
  });
  t.after(async () => {
    await agent.stop();
    await s.close();
  });
  const thingArn = `arn:aws:iot:${s.endpoints.region}:${s.endpoints.accountId}:thing/kiosk-1`;
  const ended = executionEnded(s, 'hello-1', 'kiosk-1');
  await s.iot().send(new CreateJobCommand({ jobId: 'hello-1', targets: [thingArn], document: JSON.stringify({ operation: 'hello' }) }));
  await timer.fire();
  assert.equal((await ended).status, 'SUCCEEDED');
  assert.deepEqual(ran, ['hello-1']);
  const described = await s.iot().send(new DescribeJobExecutionCommand({ jobId: 'hello-1', thingName: 'kiosk-1' }));
  assert.equal(described.execution?.status, 'SUCCEEDED');

  // Rotated while it runs: the agent re-reads its kit; its next poll presents the new certificate, which retires the old one.
  const registry = s.server.ctx.services.registry;
  let done = false;
  const retired = new Promise<void>((resolve) => {
    const stop = registry.feed.on('certificate-status', (e) => {
      if (e.certificateId !== first.certificateId || e.status !== 'INACTIVE') return;
      stop();
      done = true;
      resolve();
    });
  });
  const rotated = (await ok(['thing', 'create', 'kiosk-1', '--kit', kit, '--rotate', '--json'])).json();
  assert.equal((await registry.certificates.describe(first.certificateId)).status, 'ACTIVE');
  // Each poll is the test's to trigger; until the agent has read the new kit they present the old certificate.
  for (let polls = 0; !done && polls < 10_000; polls++) await Promise.race([timer.fire(), retired]);
  await retired;
  await registry.rotations.settled();
  assert.equal((await registry.certificates.describe(rotated.certificateId)).status, 'ACTIVE');
  assert.deepEqual((await registry.principals.listForThing('kiosk-1', {})).items.map((p) => p.principal), [rotated.certificateArn]);

  // And the agent keeps working with the new certificate.
  const again = executionEnded(s, 'hello-2', 'kiosk-1');
  await s.iot().send(new CreateJobCommand({ jobId: 'hello-2', targets: [thingArn], document: JSON.stringify({ operation: 'hello' }) }));
  await timer.fire();
  assert.equal((await again).status, 'SUCCEEDED');
});
