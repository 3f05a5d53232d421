import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DescribeThingCommand, ListThingPrincipalsCommand } from '@aws-sdk/client-iot';
import { startTestServer, tempDir } from '../helpers/server.js';
import { failure, run, sectionBlocks } from './sections.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SECTION = 'Using the AWS CLI, boto3 and the device SDKs';

test(`the README's "${SECTION}" runs as written: AWS CLI, boto3 and a device on the AWS IoT Device SDK`, async (t) => {
  const blocks = sectionBlocks(readFileSync(join(ROOT, 'README.md'), 'utf8'), SECTION);
  const files = blocks.filter((b) => b.file !== undefined);
  const shell = blocks.filter((b) => b.lang === 'sh' && b.file === undefined);
  assert.deepEqual(files.map((b) => b.file), ['device-policy.json', 'presign.py', 'device.mjs']);
  assert.equal(shell.length, 2);

  const work = tempDir();
  const s = await startTestServer({ dataDir: join(work, 'ferry-data') });
  t.after(() => s.close());
  // The section's commands as written, except that the server's ports are its own (port 0).
  const mqttPort = new URL(s.endpoints.endpoints.mqtt).port;
  const withPorts = (text: string) => text.replace(/\b8883\b/g, mqttPort);
  for (const b of files) writeFileSync(join(work, b.file!), withPorts(b.text));
  const firmware = randomBytes(300_000);
  writeFileSync(join(work, 'miso-1.0.0.bin'), firmware);

  // Nothing of this machine's AWS or Node CA setup: only what the section exports.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_') && name !== 'NODE_EXTRA_CA_CERTS'));
  env.PATH = `${env.PATH ?? ''}:${dirname(process.execPath)}`;
  // A device program outside the project finds the Device SDK the way `npm install aws-iot-device-sdk` would give it.
  env.NODE_PATH = join(ROOT, 'node_modules');
  const result = await run(shell.map((b) => withPorts(b.text)).join('\n'), work, env);
  assert.equal(result.code, 0, failure(result));
  assert.match(result.stdout, /queued jobs: 0/);

  assert.ok(readFileSync(join(work, 'downloaded.bin')).equals(firmware), 'the device downloaded the exact bytes over HTTPS');
  assert.ok(readFileSync(join(work, 'via-boto3.bin')).equals(firmware), "boto3's presigned URL downloads the exact bytes");
  const thing = await s.iot().send(new DescribeThingCommand({ thingName: 'miso_things_1' }));
  assert.equal(thing.thingName, 'miso_things_1');
  assert.equal((await s.iot().send(new ListThingPrincipalsCommand({ thingName: 'miso_things_1' }))).principals?.length, 1);
});
