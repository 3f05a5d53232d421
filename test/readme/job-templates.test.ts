import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DescribeJobCommand } from '@aws-sdk/client-iot';
import { startTestServer, tempDir } from '../helpers/server.js';
import { failure, run, sectionBlocks } from './sections.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SECTION = 'Job templates';

test(`the README's "${SECTION}" commands run as written`, async (t) => {
  const blocks = sectionBlocks(readFileSync(join(ROOT, 'README.md'), 'utf8'), SECTION);
  assert.deepEqual(blocks.map((b) => b.lang), ['sh']);
  const work = tempDir();
  const s = await startTestServer({ dataDir: join(work, 'ferry-data') });
  t.after(() => s.close());
  // `ferry` on the PATH as `npm install -g` puts it there (the built bin/ferry.js); no AWS settings of this machine.
  const bin = join(work, 'bin');
  mkdirSync(bin);
  symlinkSync(join(ROOT, 'bin', 'ferry.js'), join(bin, 'ferry'));
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_') && name !== 'NODE_PATH'));
  env.PATH = `${bin}:${dirname(process.execPath)}:${env.PATH ?? ''}`;

  const result = await run(blocks[0]!.text, work, env);
  assert.equal(result.code, 0, failure(result));
  assert.match(result.stdout, /nightly\s.*the nightly firmware/);
  assert.match(result.stdout, /AWS-Restart-Application/);
  assert.match(result.stdout, /filePath\s+yes/);
  const nightly = (await s.iot().send(new DescribeJobCommand({ jobId: 'nightly-1' }))).job!;
  assert.deepEqual(nightly.jobExecutionsRolloutConfig, { maximumPerMinute: 50 });
  const fetch = (await s.iot().send(new DescribeJobCommand({ jobId: 'fetch-1' }))).job!;
  assert.equal(fetch.jobTemplateArn, `arn:aws:iot:${s.endpoints.region}::jobtemplate/AWS-Download-File:1.0`);
});
