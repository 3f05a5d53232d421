import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DescribeJobCommand, DescribeJobExecutionCommand, ListThingsInThingGroupCommand } from '@aws-sdk/client-iot';
import { startTestServer, tempDir } from '../helpers/server.js';
import { failure, run, sectionBlocks } from './sections.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SECTION = 'Operator CLI';

test(`the README's "${SECTION}" sequence runs as written, the agent started from its kit in the background, to SUCCEEDED`, async (t) => {
  const blocks = sectionBlocks(readFileSync(join(ROOT, 'README.md'), 'utf8'), SECTION);
  assert.deepEqual(
    blocks.map((b) => b.file ?? b.lang),
    ['job.json', 'sh'],
    'the section shows the job document it uploads, then the commands',
  );
  const [jobJson, commands] = blocks as [(typeof blocks)[0], (typeof blocks)[0]];

  const work = tempDir();
  // The server the section assumes is running, with its data in ./ferry-data.
  const s = await startTestServer({ dataDir: join(work, 'ferry-data') });
  t.after(() => s.close());
  writeFileSync(join(work, jobJson.file!), jobJson.text);

  // `ferry` on the PATH as `npm install -g` puts it there (the built bin/ferry.js); no AWS settings of this machine.
  const bin = join(work, 'bin');
  mkdirSync(bin);
  symlinkSync(join(ROOT, 'bin', 'ferry.js'), join(bin, 'ferry'));
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_') && name !== 'NODE_PATH'));
  env.PATH = `${bin}:${dirname(process.execPath)}:${env.PATH ?? ''}`;

  const result = await run(commands.text, work, env, 240_000);
  const agentLog = () => {
    try {
      return readFileSync(join(work, 'agent.log'), 'utf8');
    } catch {
      return '(no agent.log)';
    }
  };
  assert.equal(result.code, 0, failure(result, `agent.log:\n${agentLog()}`));
  assert.match(result.stdout, /IMPLICIT_DENY/, 'policy test explains the refused client id');
  assert.match(result.stdout, /SUCCEEDED/, 'job watch shows the device succeeding');

  const members = await s.iot().send(new ListThingsInThingGroupCommand({ thingGroupName: 'lobby' }));
  assert.deepEqual(members.things, ['miso_things_1']);
  const job = await s.iot().send(new DescribeJobCommand({ jobId: 'fw-1' }));
  assert.deepEqual(job.job?.targets, [`arn:aws:iot:${s.endpoints.region}:${s.endpoints.accountId}:thinggroup/lobby`]);
  assert.equal(job.job?.status, 'COMPLETED');
  const execution = await s.iot().send(new DescribeJobExecutionCommand({ jobId: 'fw-1', thingName: 'miso_things_1' }));
  assert.equal(execution.execution?.status, 'SUCCEEDED');
  assert.ok(
    readFileSync(join(work, 'kit1', 'files', 'fw', 'miso.bin')).equals(readFileSync(join(work, 'miso-1.0.0.bin'))),
    'the agent put the exact firmware where the README says',
  );
  assert.match(agentLog(), /SUCCEEDED|succeeded/i, 'the agent ran from its kit');
});
