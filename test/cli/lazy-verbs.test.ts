import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/server.js';
import { cleanEnv, MAIN } from './child.js';
import { VERBS } from '../../src/cli/verbs.js';

const ROOT = join(import.meta.dirname, '../..');
const RECORDER = join(import.meta.dirname, 'record-loads.mjs');

/** Runs `ferry …args` and returns what it printed and every module URL it imported. */
function ferryLoads(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; modules: string[] }> {
  const file = join(tempDir(), 'loads.txt');
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', import.meta.resolve('tsx'), '--import', RECORDER, MAIN, ...args],
      { env: cleanEnv({ FERRY_TEST_LOADS: file }), cwd: ROOT, timeout: 120_000 },
      (error, stdout, stderr) => {
        let modules: string[] = [];
        try {
          modules = readFileSync(file, 'utf8').split('\n').filter(Boolean);
        } catch {
          // Nothing was recorded.
        }
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr, modules });
      },
    );
  });
}

const packagesOf = (modules: string[]) => new Set(modules.flatMap((m) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(m)?.[1] ?? []));
const SERVER_PARTS = ['fastify', 'aedes', 'kysely', 'better-sqlite3', 'pg', 'ioredis'];

test('`ferry --version` prints the package version and loads no verb: no AWS SDK, no server, only commander', async () => {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const r = await ferryLoads(['--version']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `${version}\n`);
  assert.ok(r.modules.some((m) => m.endsWith('/src/cli/main.ts')), 'the recorder saw the CLI load');
  assert.deepEqual([...packagesOf(r.modules)].filter((p) => p !== 'commander' && p !== 'tsx'), []);
  assert.deepEqual(r.modules.filter((m) => m.includes('/src/') && m.endsWith('-command.ts')), []);
  assert.equal((await ferryLoads(['-V'])).stdout, `${version}\n`);
});

test('an operator verb loads its own module and the AWS SDK it calls, never the server', async () => {
  const r = await ferryLoads(['job', '--help']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Usage: ferry job/);
  const packages = packagesOf(r.modules);
  assert.ok(packages.has('@aws-sdk/client-iot'));
  assert.deepEqual(SERVER_PARTS.filter((p) => packages.has(p)), []);
  const verbs = r.modules.filter((m) => m.includes('/src/cli/') && m.endsWith('-command.ts')).map((m) => m.replace(/.*\/src\/cli\//, ''));
  assert.deepEqual(verbs, ['job-command.ts']);
});

test('`ferry --help` still lists every verb', async () => {
  const r = await ferryLoads(['--help']);
  assert.equal(r.code, 0, r.stderr);
  for (const verb of Object.keys(VERBS)) assert.match(r.stdout, new RegExp(`^  ${verb}\\b`, 'm'), verb);
});
