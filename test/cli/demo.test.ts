import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { ListJobsCommand } from '@aws-sdk/client-iot';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';
import { agentPaths, logTail, startAgents, stopAgents } from '../../src/cli/demo/agents.js';
import { cli } from './helpers.js';
import { ferry } from './child.js';
import { processesMentioning } from './processes.js';

/**
 * The demo needs the jobs API and `ferry agent` (other engineers' work): until
 * both answer, these tests skip and say which is missing.
 */
async function missingParts(s: TestServer): Promise<string | undefined> {
  const missing: string[] = [];
  try {
    await s.iot().send(new ListJobsCommand({}));
  } catch (error) {
    if ((error as Error).name === 'UnknownOperationException') missing.push('the jobs API');
  }
  const agent = await ferry(['agent', '--help']);
  if (agent.code !== 0 || !/^Usage: ferry agent /.test(agent.stdout)) missing.push('the `ferry agent` command');
  return missing.length ? `${missing.join(' and ')} not landed yet` : undefined;
}

test('`ferry demo --devices 3` passes as a process, and leaves no process or folder behind', async (t) => {
  const probe = await startTestServer();
  const missing = await missingParts(probe);
  await probe.close();
  if (missing) return t.skip(missing);

  const run = await ferry(['demo', '--devices', '3', '--size', '6', '--interval', '200', '--timeout', '240'], { timeoutMs: 280_000 });
  assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /\[1\] Started a Ferry server in /);
  assert.match(run.stdout, /IMPLICIT_DENY connect other as client other/);
  assert.match(run.stdout, /multipart upload done/);
  assert.match(run.stdout, /job miso-firmware-1-0-0 COMPLETED/);
  assert.match(run.stdout, /PASS: 3 device\(s\) downloaded the exact bytes/);
  for (const thing of ['miso_things_1', 'miso_things_2', 'miso_things_3']) assert.match(run.stdout, new RegExp(`${thing}\\s+SUCCEEDED\\s+yes`));

  const root = /Started a Ferry server in (\S+)\/server /.exec(run.stdout)?.[1];
  assert.ok(root, 'the demo names its folder');
  assert.ok(!existsSync(root), 'the temporary folder is removed');
  assert.deepEqual(processesMentioning(root), [], 'no agent is left running');
});

test('`ferry demo --data-dir` runs the story on a running server; --json summary', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const missing = await missingParts(s);
  if (missing) return t.skip(missing);

  const run = await cli(['demo', '--data-dir', s.dataDir, '--devices', '3', '--size', '1', '--interval', '100', '--timeout', '240', '--json']);
  assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
  const summary = run.json();
  assert.equal(summary.passed, true);
  assert.equal(summary.jobStatus, 'COMPLETED');
  assert.equal(summary.devices.length, 3);
  for (const d of summary.devices) {
    assert.equal(d.status, 'SUCCEEDED');
    assert.equal(d.verified, true);
  }
  // The story went to stderr; the names carry a run id on a shared server.
  assert.match(run.stderr, /\[1\] Using the Ferry server of /);
  assert.match(summary.job, /^miso-[0-9a-f]{6}-firmware-1-0-0$/);
  assert.ok(!existsSync(summary.workDir));
  assert.deepEqual(processesMentioning(summary.workDir), []);
  // The server is still there and knows the job.
  const jobs = (await cli(['job', 'list', '--json', '--data-dir', s.dataDir])).json();
  assert.deepEqual(jobs.map((j: { jobId: string; status: string }) => [j.jobId, j.status]), [[summary.job, 'COMPLETED']]);
});

test('the agents the demo starts are real `ferry agent` processes, and stopping them leaves none', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const work = tempDir();
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const d = ['--data-dir', s.dataDir];
  assert.equal((await cli(['policy', 'create', 'p', '--device', ...d])).code, 0);
  const devices = ['miso_1', 'miso_2'].map((thingName) => ({ thingName, ...agentPaths(work, thingName) }));
  for (const dev of devices) assert.equal((await cli(['thing', 'create', dev.thingName, '--policy', 'p', '--kit', dev.kitDir, ...d])).code, 0);

  const agents = startAgents(devices);
  t.after(() => stopAgents(agents, 0));
  // Each agent logs "connected" once the broker accepted its certificate.
  await Promise.all(
    agents.map(
      (a) =>
        new Promise<void>((resolve, reject) => {
          const onData = (chunk: Buffer) => {
            if (chunk.toString().includes('"msg":"connected"')) resolve();
          };
          a.child.stdout?.on('data', onData);
          a.child.stderr?.on('data', onData);
          void a.exited.then((code) => reject(new Error(`agent exited (${code}): ${logTail(a.logFile)}`)));
        }),
    ),
  );
  assert.equal(processesMentioning(work).length, 2);
  await stopAgents(agents);
  assert.deepEqual(processesMentioning(work), []);
});
