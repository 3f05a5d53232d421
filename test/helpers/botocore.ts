import { execFile } from 'node:child_process';

/**
 * botocore (python3, installed with the AWS CLI) as a test oracle: an S3
 * client signing the way botocore signs — `signature_version` 's3' (SigV2)
 * or 's3v4' — for calls and presigned URLs. Ferry's own signer never
 * checks Ferry's verifier.
 */
export interface BotocoreS3 {
  endpoint: string;
  caFile: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  signatureVersion: 's3' | 's3v4';
  /** Default 'path'. */
  addressingStyle?: 'path' | 'virtual';
}

export type BotocoreCall =
  | { call: string; params?: Record<string, unknown> }
  | { presign: string; params?: Record<string, unknown>; expiresIn: number };

export type BotocoreResult =
  | { ok: Record<string, unknown> }
  | { url: string }
  | { error: { code: string; message: string; status: number; body: Record<string, string> } };

const SCRIPT = String.raw`
import json, sys
import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError
spec = json.load(sys.stdin)
c = spec['credentials']
client = botocore.session.get_session().create_client(
    's3', region_name=spec['region'], endpoint_url=spec['endpoint'], verify=spec['caFile'],
    aws_access_key_id=c['accessKeyId'], aws_secret_access_key=c['secretAccessKey'], aws_session_token=c.get('sessionToken'),
    config=Config(signature_version=spec['signatureVersion'], s3={'addressing_style': spec.get('addressingStyle') or 'path'}, retries={'max_attempts': 1}))
out = []
for step in spec['calls']:
    params = step.get('params') or {}
    if 'presign' in step:
        out.append({'url': client.generate_presigned_url(step['presign'], Params=params, ExpiresIn=step['expiresIn'])})
        continue
    try:
        result = getattr(client, step['call'])(**params)
        if 'Body' in result:
            result['Body'] = result['Body'].read().decode('utf-8', 'replace')
        result.pop('ResponseMetadata', None)
        out.append({'ok': json.loads(json.dumps(result, default=str))})
    except ClientError as e:
        err = e.response.get('Error', {})
        out.append({'error': {'code': err.get('Code', ''), 'message': err.get('Message', ''), 'status': e.response['ResponseMetadata']['HTTPStatusCode'], 'body': {k: str(v) for k, v in err.items()}}})
print(json.dumps(out))
`;

/** Runs the calls in order in one botocore client; each gets its result or its S3 error. */
export function botocoreS3(client: BotocoreS3, calls: BotocoreCall[]): Promise<BotocoreResult[]> {
  // No ambient AWS configuration: only what the test gives.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')));
  Object.assign(env, { AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' });
  return new Promise((resolve, reject) => {
    const child = execFile('python3', ['-c', SCRIPT], { env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`botocore failed: ${stderr || error.message}`));
      else resolve(JSON.parse(stdout) as BotocoreResult[]);
    });
    child.stdin!.end(JSON.stringify({ ...client, calls }));
  });
}

export async function botocoreOne(client: BotocoreS3, call: BotocoreCall): Promise<BotocoreResult> {
  return (await botocoreS3(client, [call]))[0]!;
}
