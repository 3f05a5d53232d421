import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { DescribeJobExecutionCommand } from '@aws-sdk/client-iot';
import { startTestServer, tempDir } from '../helpers/server.js';
import { cli } from './helpers.js';
import { AGENT_BUNDLE } from '../../src/cli/kit.js';

const ROOT = resolve(import.meta.dirname, '../..');

/** Every folder from `dir` up to the root. */
function ancestors(dir: string): string[] {
  const all = [dir];
  while (dirname(all.at(-1)!) !== all.at(-1)) all.push(dirname(all.at(-1)!));
  return all;
}

test('a connection kit copied alone to another folder runs the bundled agent through start.sh to SUCCEEDED', async (t) => {
  assert.ok(existsSync(AGENT_BUNDLE), `${AGENT_BUNDLE} is built by \`npm run build\``);
  const s = await startTestServer();
  t.after(() => s.close());
  const work = tempDir();
  const ok = async (...args: string[]) => {
    const r = await cli([...args, '--data-dir', s.dataDir], { cwd: work });
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  };
  await ok('policy', 'create', 'miso-device', '--device', '--client-prefix', 'miso');
  await ok('thing', 'create', 'miso_things_1', '--policy', 'miso-device', '--kit', join(work, 'kit1'));
  await ok('bucket', 'create', 'firmware');
  const firmware = randomBytes(200_000);
  writeFileSync(join(work, 'miso-1.0.0.bin'), firmware);
  await ok('cp', join(work, 'miso-1.0.0.bin'), 's3://firmware/firmware/miso-1.0.0.bin');
  await ok('role', 'create', 'miso-role', '--allow-get', 'firmware');
  const document = { operation: 'download', url: '${aws:iot:s3-presigned-url:https://s3.amazonaws.com/firmware/firmware/miso-1.0.0.bin}' };
  await ok('job', 'create', 'fw-1', '--targets', 'miso_things_1', '--document', JSON.stringify(document), '--presign-role', 'miso-role');

  // The kit names no path of the machine that wrote it.
  const files = readdirSync(join(work, 'kit1')).sort();
  assert.deepEqual(files, ['certificate.pem.crt', 'ferry-agent.mjs', 'kit.json', 'private.pem.key', 'public.pem.key', 'root-CA.crt', 'start.sh']);
  for (const name of files) {
    const text = readFileSync(join(work, 'kit1', name), 'utf8');
    for (const path of [ROOT, work, s.dataDir]) assert.ok(!text.includes(path), `${name} does not mention ${path}`);
  }

  // The device: the kit alone in a folder with no node_modules above it, Node.js on the PATH and no ferry.
  const device = mkdtempSync(join(tmpdir(), 'ferry-device-'));
  for (const dir of ancestors(device)) assert.ok(!existsSync(join(dir, 'node_modules')), `no node_modules in ${dir}`);
  const kit = join(device, 'kit');
  cpSync(join(work, 'kit1'), kit, { recursive: true });
  const bin = join(device, 'bin');
  mkdirSync(bin);
  symlinkSync(process.execPath, join(bin, 'node'));
  const PATH = [bin, '/usr/bin', '/bin'].join(':');
  for (const dir of PATH.split(':')) assert.ok(!existsSync(join(dir, 'ferry')), `no ferry in ${dir}`);
  const agent = spawn(join(kit, 'start.sh'), [], { cwd: device, env: { PATH, HOME: device }, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  agent.stdout.on('data', (b: Buffer) => (log += b.toString()));
  agent.stderr.on('data', (b: Buffer) => (log += b.toString()));
  const exited = new Promise<number | null>((done) => agent.once('exit', (code) => done(code)));
  t.after(() => agent.kill('SIGKILL'));

  let status: string | undefined;
  for (let i = 0; i < 600 && status !== 'SUCCEEDED' && status !== 'FAILED' && status !== 'REJECTED' && agent.exitCode === null; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const e = await s.iot().send(new DescribeJobExecutionCommand({ jobId: 'fw-1', thingName: 'miso_things_1' }));
    status = e.execution?.status;
  }
  assert.equal(status, 'SUCCEEDED', `agent log:\n${log}`);
  assert.ok(readFileSync(join(kit, 'files', 'miso-1.0.0.bin')).equals(firmware), 'the device downloaded the exact bytes into the kit folder');
  agent.kill('SIGTERM');
  assert.equal(await exited, 0, `agent log:\n${log}`);
});
