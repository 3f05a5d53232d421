import { test } from 'node:test';
import assert from 'node:assert/strict';
import { awsCli } from '../helpers/aws-cli.js';
import { rawRequest } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * One server speaks one region (`--region`). A request signed for another —
 * the AWS CLI with `--region ap-northeast-1` against a us-east-1 Ferry — is
 * told which region Ferry expects, in each listener's own shape, as AWS does;
 * never a bare SignatureDoesNotMatch. The oracle is the AWS CLI.
 */
const OTHER = 'ap-northeast-1';

const cli = (s: TestServer, endpoint: 'iot' | 's3' | 'iam', args: string[]) => awsCli(s, args, { endpoint: s.endpoints.endpoints[endpoint] });

async function withBucket(t: { after(fn: () => Promise<void>): void }, region?: string): Promise<TestServer> {
  const s = await startTestServer(region ? { region } : {});
  t.after(() => s.close());
  const made = await cli(s, 's3', ['s3', 'mb', 's3://firmware']);
  assert.equal(made.code, 0, made.stderr);
  const put = await cli(s, 's3', ['s3api', 'put-object', '--bucket', 'firmware', '--key', 'miso.bin', '--body', s.endpoints.caFile]);
  assert.equal(put.code, 0, put.stderr);
  return s;
}

test('S3: signed for another region is AuthorizationHeaderMalformed naming the region Ferry expects (presigned: AuthorizationQueryParametersError); botocore re-signs from it', async (t) => {
  const s = await withBucket(t);
  const ok = await cli(s, 's3', ['s3api', 'list-buckets']);
  assert.equal(ok.code, 0, ok.stderr);

  const wrong = await cli(s, 's3', ['s3api', 'list-buckets', '--region', OTHER]);
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stderr, /\(AuthorizationHeaderMalformed\).*The authorization header is malformed; the region 'ap-northeast-1' is wrong; expecting 'us-east-1'/);
  // S3's error carries <Region>, from which botocore signs again for a bucket's region, as it does against S3.
  const listed = await cli(s, 's3', ['s3', 'ls', 's3://firmware', '--region', OTHER]);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /miso\.bin/);

  // The generated config presigns with SigV4 (signature_version = s3v4), for the region it is told.
  const good = (await cli(s, 's3', ['s3', 'presign', 's3://firmware/miso.bin', '--expires-in', '300'])).stdout.trim();
  assert.match(good, /X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=[^&]+%2Fus-east-1%2Fs3%2F/);
  assert.equal((await rawRequest({ url: good, ca: s.ca })).status, 200);
  const other = (await cli(s, 's3', ['s3', 'presign', 's3://firmware/miso.bin', '--expires-in', '300', '--region', OTHER])).stdout.trim();
  assert.match(other, /%2Fap-northeast-1%2Fs3%2F/);
  const refused = await rawRequest({ url: other, ca: s.ca });
  assert.equal(refused.status, 400);
  assert.match(refused.body, /<Code>AuthorizationQueryParametersError<\/Code><Message>Error parsing the X-Amz-Credential parameter; the region &apos;ap-northeast-1&apos; is wrong; expecting &apos;us-east-1&apos;<\/Message><Region>us-east-1<\/Region>/);
});

test('IoT (rest-json) and IAM (aws-query, signed for us-east-1) name the region they expect', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const things = await cli(s, 'iot', ['iot', 'list-things']);
  assert.equal(things.code, 0, things.stderr);
  const iot = await cli(s, 'iot', ['iot', 'list-things', '--region', OTHER]);
  assert.notEqual(iot.code, 0);
  assert.match(iot.stderr, /\(InvalidSignatureException\).*Credential should be scoped to a valid region: 'us-east-1', not 'ap-northeast-1'\. This server speaks one region, 'us-east-1' \(ferry server --region\)\./);

  const roles = await cli(s, 'iam', ['iam', 'list-roles']);
  assert.equal(roles.code, 0, roles.stderr);
  const iam = await cli(s, 'iam', ['iam', 'list-roles', '--region', OTHER]);
  assert.notEqual(iam.code, 0);
  assert.match(iam.stderr, /\(SignatureDoesNotMatch\).*Credential should be scoped to a valid region: 'us-east-1', not 'ap-northeast-1'\. IAM is global: its requests are signed for us-east-1\./);
});

test('a server started with --region ap-northeast-1 speaks it: the CLI on the generated config works, IAM included; us-east-1 S3 signatures are told so', async (t) => {
  const s = await withBucket(t, OTHER);
  assert.equal(s.endpoints.region, OTHER);
  for (const [endpoint, args] of [['iot', ['iot', 'list-things']], ['iam', ['iam', 'list-roles']], ['iam', ['sts', 'get-caller-identity']], ['s3', ['s3', 'ls', 's3://firmware']]] as const) {
    const r = await cli(s, endpoint, [...args]);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  }
  const wrong = await cli(s, 's3', ['s3api', 'list-buckets', '--region', 'us-east-1']);
  assert.match(wrong.stderr, /\(AuthorizationHeaderMalformed\).*the region 'us-east-1' is wrong; expecting 'ap-northeast-1'/);
  // IAM signed for us-east-1 (as AWS's own endpoint wants) is accepted beside the server's region; a third region is not.
  assert.equal((await cli(s, 'iam', ['iam', 'list-roles', '--region', 'us-east-1'])).code, 0);
  const third = await cli(s, 'iam', ['iam', 'list-roles', '--region', 'eu-west-1']);
  assert.match(third.stderr, /\(SignatureDoesNotMatch\).*'us-east-1', not 'eu-west-1'\. IAM is global: its requests are signed for us-east-1 \(or 'ap-northeast-1', this server's region\)\./);
});
