import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateRoleCommand } from '@aws-sdk/client-iam';
import { startTestServer, tempDir } from '../helpers/server.js';
import { failure, run } from './sections.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TITLE = 'Temporary credentials: AssumeRole and GetSessionToken';

/** The sh block of the README's STS subsection. */
function stsCommands(markdown: string): string {
  const start = markdown.indexOf(`\n### ${TITLE}\n`);
  assert.ok(start >= 0, `README has a subsection "${TITLE}"`);
  const next = /\n##/.exec(markdown.slice(start + 1));
  const section = markdown.slice(start, next ? start + 1 + next.index : undefined);
  const blocks = [...section.matchAll(/\n```(\w+)\n([\s\S]*?)\n```\n/g)];
  assert.deepEqual(blocks.map((b) => b[1]), ['sh']);
  return `${blocks[0]![2]!}\n`;
}

test(`the README's "${TITLE}" commands run with the AWS CLI through a profile written by ferry user create`, async (t) => {
  const commands = stsCommands(readFileSync(join(ROOT, 'README.md'), 'utf8'));
  const work = tempDir();
  const s = await startTestServer({ dataDir: join(work, 'ferry-data') });
  t.after(() => s.close());
  const { accountId } = s.endpoints;
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:user/rel-eng` }, Action: 'sts:AssumeRole' }] };
  await s.iam().send(new CreateRoleCommand({ RoleName: 'deployer', AssumeRolePolicyDocument: JSON.stringify(trust) }));

  const bin = join(work, 'bin');
  mkdirSync(bin);
  symlinkSync(join(ROOT, 'bin', 'ferry.js'), join(bin, 'ferry'));
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_') && name !== 'NODE_PATH'));
  env.PATH = `${bin}:${dirname(process.execPath)}:${env.PATH ?? ''}`;
  env.HOME = work;
  env.AWS_PAGER = '';
  // What the section assumes from the one before: the rel-eng user with a key in the profile rel-eng.
  const setup = await run('ferry user create rel-eng --access-key --write-profile rel-eng\n', work, env, 60_000);
  assert.equal(setup.code, 0, failure(setup));

  const result = await run(commands, work, env, 120_000);
  assert.equal(result.code, 0, failure(result));
  const lines = result.stdout.trim().split('\n');
  assert.equal(lines[0], `arn:aws:sts::${accountId}:assumed-role/deployer/fw-2-rollout`);
  assert.match(lines[1] ?? '', /^ASIA[A-Z0-9]{16}$/);
});
