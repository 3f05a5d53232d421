import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { CreateThingCommand, DescribeJobCommand } from '@aws-sdk/client-iot';
import { startTestServer } from '../helpers/server.js';
import { cleanEnv, MAIN } from './child.js';

// Starts a command with its standard output the write end of a pipe whose read end is already
// closed (what `ferry … | head -1` becomes once head has exited): every write fails with EPIPE.
// Python makes the pipe, as a shell would: Node's own child stdio is a socket pair, not a pipe.
const CLOSED_STDOUT = [
  'import os, sys',
  'r, w = os.pipe()',
  'os.close(r)',
  'os.dup2(w, 1)',
  'os.close(w)',
  'os.execvp(sys.argv[1], sys.argv[1:])',
].join('\n');

function withClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile('python3', ['-c', CLOSED_STDOUT, process.execPath, '--import', import.meta.resolve('tsx'), MAIN, ...args], { env: cleanEnv(), timeout: 120_000 }, (error, _stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stderr });
    });
    child.stdin?.end();
  });
}

test('a closed standard output ends the command quietly: exit 0 once the job was created, nothing on stderr, every time', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  await s.iot().send(new CreateThingCommand({ thingName: 'pipe-thing' }));
  const runs = 20;
  for (let i = 0; i < runs; i++) {
    const jobId = `piped-${i}`;
    const r = await withClosedStdout(['job', 'create', jobId, '--targets', 'pipe-thing', '--document', '{"operation":"noop"}', '--data-dir', s.dataDir]);
    assert.equal(r.stderr, '', `run ${i}: nothing on stderr`);
    assert.equal(r.code, 0, `run ${i}: exit 0`);
    const job = await s.iot().send(new DescribeJobCommand({ jobId }));
    assert.equal(job.job?.jobId, jobId, `run ${i}: the job was created`);
  }
  // A refusal still says why, and its exit code is kept, with the standard output closed.
  const refused = await withClosedStdout(['job', 'create', 'piped-0', '--targets', 'pipe-thing', '--document', '{}', '--data-dir', s.dataDir]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^ferry: ResourceAlreadyExistsException: Job piped-0 already exists/);
});
