import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { TestServer } from './server.js';

const run = promisify(execFile);

/**
 * The AWS CLI (awscli 1.x on the PATH) pointed at Ferry the way the README says:
 * the shared files from endpoints.json, profile ferry, and `endpoint` for the service
 * (none: the profile's `services` section names it, as a current botocore reads it).
 */
export async function awsCli(s: TestServer, args: string[], opts: { endpoint?: string; region?: string } = {}): Promise<{ stdout: string; stderr: string; code: number }> {
  const env = {
    ...process.env,
    AWS_CA_BUNDLE: s.endpoints.caFile,
    AWS_SHARED_CREDENTIALS_FILE: s.endpoints.credentialsFile,
    AWS_CONFIG_FILE: s.endpoints.configFile,
    AWS_PROFILE: 'ferry',
    AWS_DEFAULT_REGION: opts.region ?? s.endpoints.region,
    AWS_PAGER: '',
  };
  try {
    const endpoint = opts.endpoint === undefined ? [] : ['--endpoint-url', opts.endpoint];
    const { stdout, stderr } = await run('aws', [...args, ...endpoint], { env, maxBuffer: 16 * 1024 * 1024 });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; code?: number };
    return { stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: typeof e.code === 'number' ? e.code : -1 };
  }
}
