import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startTestServer, tempDir } from '../helpers/server.js';
import { cleanEnv, ferry } from './child.js';

test('`ferry` as a process: --json on stdout, the server\'s message on stderr, exit codes 0, 1, 2', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const d = ['--data-dir', s.dataDir];
  const work = tempDir();

  const policy = await ferry(['policy', 'create', 'miso-device', '--device', '--client-prefix', 'miso', ...d]);
  assert.equal(policy.code, 0, policy.stderr);
  const created = await ferry(['thing', 'create', 'miso_things_1', '--policy', 'miso-device', '--kit', join(work, 'kit'), '--json', ...d]);
  assert.equal(created.code, 0, created.stderr);
  assert.equal(created.stderr, '', 'nothing on stderr (no SDK warnings either)');
  assert.equal(JSON.parse(created.stdout).thingName, 'miso_things_1');

  const tested = await ferry(['policy', 'test', '--thing', 'miso_things_1', '--client-id', 'other', '--action', 'connect', '--json', ...d]);
  assert.equal(tested.code, 0, tested.stderr);
  assert.equal(JSON.parse(tested.stdout).results[0].decision, 'IMPLICIT_DENY');

  const refused = await ferry(['thing', 'describe', 'nope', ...d]);
  assert.equal(refused.code, 1);
  assert.equal(refused.stderr, 'ferry: ResourceNotFoundException: Thing nope does not exist\n');

  const usage = await ferry(['thing', 'create', ...d]);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /missing required argument 'name'/);
  const badOption = await ferry(['cp', 'a', 's3://b/k', '--part-size', 'big', ...d]);
  assert.equal(badOption.code, 2);

  // The AWS profile Ferry writes, through the environment, as for the AWS CLI.
  const env = cleanEnv({ AWS_CONFIG_FILE: s.endpoints.configFile, AWS_SHARED_CREDENTIALS_FILE: s.endpoints.credentialsFile, AWS_PROFILE: 'ferry' });
  const listed = await ferry(['thing', 'list', '--json'], { env });
  assert.equal(listed.code, 0, listed.stderr);
  assert.deepEqual(JSON.parse(listed.stdout).map((x: { thingName: string }) => x.thingName), ['miso_things_1']);

  // --data-dir defaults to ./ferry-data in the working directory.
  const nowhere = await ferry(['bucket', 'list'], { cwd: work });
  assert.equal(nowhere.code, 2);
  assert.match(nowhere.stderr, /ferry-data\/endpoints\.json does not exist/);

  const help = await ferry(['demo', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--devices <n>/);
});
