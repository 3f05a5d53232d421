/**
 * The distribute page's checks and fixes, before CreateJob is submitted:
 * - POST /console/api/flows/distribute/check: the checks CreateJob itself makes (the bucket
 *   exists; the presign role exists, trusts iot.amazonaws.com and may s3:GetObject the object —
 *   read as the server, as CreateJob reads them) and one more of the story's: each target
 *   device's policies allow its Jobs topics (TestAuthorization, run as the signed-in identity).
 *   Each problem carries the fix that would solve it.
 * - POST /console/api/flows/distribute/fix: applies one fix the user confirmed, as IAM, IoT and
 *   S3 operations run as the signed-in identity (so a user who may not change roles, or create
 *   buckets, is refused).
 * A fleet query target's devices are the ones SearchIndex matches now (as the signed-in identity):
 * the page submits it as a dynamic thing group made from the same query.
 */
import type { FastifyRequest } from 'fastify';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { FerryError } from '../../../errors.js';
import { devicePolicy } from '../../../registry/device-policy.js';
import { ConsoleRefusal, type ConsoleRouteKit } from '../routes.js';
import type { SignedCall } from '../dispatch.js';
import { DEFAULT_DEVICE_POLICY } from './connect.js';

const seg = encodeURIComponent;
const JOBS_SERVICE = 'iot.amazonaws.com';

export type Fix =
  | { kind: 'create-bucket'; bucket: string }
  | { kind: 'create-role'; roleName: string; bucket: string; prefix: string }
  | { kind: 'add-trust'; roleName: string }
  | { kind: 'grant-read'; roleName: string; bucket: string; prefix: string }
  | { kind: 'device-policy'; things: string[]; policyName: string };

export interface Check {
  id: 'bucket' | 'role' | 'role-read' | 'devices';
  ok: boolean;
  message: string;
  fix?: Fix & { label: string };
}

/** A thing, a thing group, or the devices a fleet-indexing query matches (a dynamic thing group once submitted). */
type Target = { kind: 'thing' | 'group'; name: string } | { kind: 'query'; queryString: string };

const isTarget = (t: unknown): t is Target => {
  const o = t as Record<string, unknown> | null;
  if (!o || typeof o !== 'object') return false;
  if (o.kind === 'query') return typeof o.queryString === 'string' && o.queryString !== '';
  return (o.kind === 'thing' || o.kind === 'group') && typeof o.name === 'string' && o.name !== '';
};

/** Follows an AWS list operation's nextToken to its last page. */
async function eachPage(fetchPage: (nextToken: string | undefined) => Promise<Record<string, unknown>>, onPage: (page: Record<string, unknown>) => void): Promise<void> {
  let nextToken: string | undefined;
  do {
    const page = await fetchPage(nextToken);
    onPage(page);
    nextToken = page.nextToken as string | undefined;
  } while (nextToken);
}

type Call = (call: Omit<SignedCall, 'service' | 'query'> & { query?: Record<string, string> }) => Promise<Record<string, unknown>>;

const str = (v: unknown, what: string, max = 1024): string => {
  if (typeof v !== 'string' || v === '' || v.length > max) throw new ConsoleRefusal(400, 'InvalidRequestException', `${what} is required.`);
  return v;
};

const roleNameOf = (nameOrArn: string) => nameOrArn.slice(nameOrArn.lastIndexOf('/') + 1);
/** The folder of the key ("firmware/v2/app.bin" → "firmware/v2/"), or "" for a key at the top. */
export const prefixOf = (key: string) => key.slice(0, key.lastIndexOf('/') + 1);

export function readPolicyDocument(bucket: string, prefix: string): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/${prefix}*` }] });
}

const TRUST_STATEMENT = { Effect: 'Allow', Principal: { Service: JOBS_SERVICE }, Action: 'sts:AssumeRole' };

export function registerDistributeRoutes(kit: ConsoleRouteKit): void {
  const { ctx, route } = kit;
  const iam = ctx.services.iam;
  const roleArn = (name: string) => `arn:aws:iam::${ctx.accountId}:role/${name}`;
  const iotCaller =
    (request: FastifyRequest): Call =>
    async (c) =>
      (await kit.callAs(request, { service: 'iot', query: {}, ...c })) as Record<string, unknown>;
  const iamCall = (request: FastifyRequest, form: Record<string, string>) => kit.callAs(request, { service: 'iam', method: 'POST', path: '/', query: {}, form: { Version: '2010-05-08', ...form } });

  /** The things a job with these targets reaches now (groups' direct members; a query's matches, by SearchIndex). */
  async function thingsOf(call: Call, targets: Target[]): Promise<string[]> {
    const things = new Set<string>();
    for (const t of targets) {
      if (t.kind === 'thing') things.add(t.name);
      else if (t.kind === 'query') {
        await eachPage((nextToken) => call({ method: 'POST', path: '/indices/search', body: { queryString: t.queryString, maxResults: 100, ...(nextToken ? { nextToken } : {}) } }), (page) => {
          for (const d of (page.things ?? []) as Array<{ thingName: string }>) things.add(d.thingName);
        });
      } else {
        await eachPage((nextToken) => call({ method: 'GET', path: `/thing-groups/${seg(t.name)}/things`, query: { maxResults: '250', ...(nextToken ? { nextToken } : {}) } }), (page) => {
          for (const name of (page.things ?? []) as string[]) things.add(name);
        });
      }
    }
    return [...things];
  }

  /** The certificates of each thing whose policies do not let it use its Jobs topics (or that has none). */
  async function devicesWithoutJobs(call: Call, things: string[]): Promise<Array<{ thingName: string; why: string; fixable: boolean }>> {
    const out = [];
    for (const thingName of things) {
      const listed = await call({ method: 'GET', path: `/things/${seg(thingName)}/principals` }).catch((error: unknown) => {
        if (error instanceof ConsoleRefusal && error.code === 'ResourceNotFoundException') return undefined;
        throw error;
      });
      if (!listed) {
        // CreateJob would refuse the target: said here with the rest, not as the check's failure.
        out.push({ thingName, why: 'does not exist', fixable: false });
        continue;
      }
      const principals = (listed.principals ?? []) as string[];
      const certs = principals.filter((p) => p.includes(':cert/'));
      if (certs.length === 0) {
        out.push({ thingName, why: 'has no certificate (connect it first)', fixable: false });
        continue;
      }
      const jobs = `$aws/things/${thingName}/jobs`;
      const arn = (r: string) => `arn:aws:iot:${ctx.region}:${ctx.accountId}:${r}`;
      const authInfos = [
        { actionType: 'SUBSCRIBE', resources: [arn(`topicfilter/${jobs}/notify-next`)] },
        { actionType: 'RECEIVE', resources: [arn(`topic/${jobs}/notify-next`)] },
        { actionType: 'PUBLISH', resources: [arn(`topic/${jobs}/start-next`), arn(`topic/${jobs}/x/update`)] },
      ];
      for (const principal of certs) {
        const tested = await call({ method: 'POST', path: '/test-authorization', query: { clientId: thingName }, body: { principal, authInfos } });
        const denied = ((tested.authResults ?? []) as Array<{ authDecision?: string; authInfo?: { actionType?: string } }>).filter((r) => r.authDecision !== 'ALLOWED');
        if (denied.length > 0) {
          out.push({ thingName, why: `its certificate may not ${denied.map((d) => d.authInfo?.actionType?.toLowerCase()).join(', ')} on its Jobs topics`, fixable: true });
          break;
        }
      }
    }
    return out;
  }

  async function roleCheck(roleName: string, bucket: string, prefix: string): Promise<Check> {
    try {
      await iam.presignableRole(roleArn(roleName));
      return { id: 'role', ok: true, message: `Role ${roleName} exists and trusts ${JOBS_SERVICE}.` };
    } catch (error) {
      if (!(error instanceof FerryError)) throw error;
      if (error.details.reason === 'role-missing') {
        return { id: 'role', ok: false, message: `Role ${roleName} does not exist.`, fix: { kind: 'create-role', roleName, bucket, prefix, label: `Create role ${roleName}: trusts ${JOBS_SERVICE}, may read ${bucket}/${prefix}*` } };
      }
      return { id: 'role', ok: false, message: `Role ${roleName} lacks the ${JOBS_SERVICE} trust: CreateJob would refuse it.`, fix: { kind: 'add-trust', roleName, label: `Add the ${JOBS_SERVICE} trust to role ${roleName}` } };
    }
  }

  route('POST', '/console/api/flows/distribute/check', async (request) => {
    await kit.session(request);
    const body = kit.jsonBody(request);
    const bucket = str(body.bucket, 'bucket', 63);
    const key = str(body.key, 'key');
    const roleName = roleNameOf(str(body.role, 'role (name or ARN)', 2048));
    const targets = Array.isArray(body.targets) ? (body.targets as unknown[]).filter(isTarget) : [];
    if (targets.length === 0) throw new ConsoleRefusal(400, 'InvalidRequestException', 'Choose at least one thing, thing group or fleet query.');
    const prefix = prefixOf(key);
    const checks: Check[] = [];
    const bucketExists = await ctx.services.objects.bucketExists(bucket);
    checks.push(
      bucketExists
        ? { id: 'bucket', ok: true, message: `Bucket ${bucket} exists.` }
        : { id: 'bucket', ok: false, message: `Bucket ${bucket} does not exist on this server: check its name, or create it (then upload the file into it).`, fix: { kind: 'create-bucket', bucket, label: `Create bucket ${bucket}` } },
    );
    const role = await roleCheck(roleName, bucket, prefix);
    checks.push(role);
    if (role.fix?.kind !== 'create-role') {
      const resource = `arn:aws:s3:::${bucket}/${key}`;
      checks.push(
        (await iam.permissions.roleAllows(roleArn(roleName), 's3:GetObject', resource))
          ? { id: 'role-read', ok: true, message: `Role ${roleName} may read ${bucket}/${key}.` }
          : { id: 'role-read', ok: false, message: `Role ${roleName} may not read ${bucket}/${key} (s3:GetObject): devices would get a link that is refused.`, fix: { kind: 'grant-read', roleName, bucket, prefix, label: `Grant role ${roleName} read on ${bucket}/${prefix}*` } },
      );
    }
    const call = iotCaller(request);
    const things = await thingsOf(call, targets);
    const bad = await devicesWithoutJobs(call, things);
    const policyName = typeof body.devicePolicy === 'string' && body.devicePolicy ? body.devicePolicy : DEFAULT_DEVICE_POLICY;
    const fixable = bad.filter((b) => b.fixable).map((b) => b.thingName);
    checks.push(
      bad.length === 0
        ? { id: 'devices', ok: true, message: `All ${things.length} target device(s) may use their Jobs topics.` }
        : {
            id: 'devices',
            ok: false,
            message: `${bad.length === 1 ? 'This device\'s policies do' : `These ${bad.length} devices' policies do`} not allow their Jobs topics: ${bad.map((b) => `${b.thingName} (${b.why})`).join('; ')}.`,
            ...(fixable.length > 0 ? { fix: { kind: 'device-policy' as const, things: fixable, policyName, label: `Attach device policy ${policyName} to the certificates of ${fixable.join(', ')}` } } : {}),
          },
    );
    return { checks, things, roleArn: roleArn(roleName), arnPrefix: `arn:aws:iot:${ctx.region}:${ctx.accountId}:` };
  });

  route('POST', '/console/api/flows/distribute/fix', async (request) => {
    const fix = kit.jsonBody(request).fix as Fix | undefined;
    if (!fix || typeof fix !== 'object') throw new ConsoleRefusal(400, 'InvalidRequestException', 'fix is required.');
    switch (fix.kind) {
      case 'create-bucket': {
        const bucket = str(fix.bucket, 'bucket', 63);
        await kit.s3As(request, (s3) => s3.send(new CreateBucketCommand({ Bucket: bucket })));
        return { applied: fix.kind };
      }
      case 'create-role': {
        const roleName = str(fix.roleName, 'roleName', 64);
        await iamCall(request, { Action: 'CreateRole', RoleName: roleName, AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [TRUST_STATEMENT] }), Description: 'Signs download links for IoT jobs (made by the Ferry console)' });
        await iamCall(request, { Action: 'PutRolePolicy', RoleName: roleName, PolicyName: `read-${str(fix.bucket, 'bucket', 63)}`, PolicyDocument: readPolicyDocument(fix.bucket, fix.prefix ?? '') });
        return { applied: fix.kind };
      }
      case 'add-trust': {
        const roleName = str(fix.roleName, 'roleName', 64);
        const role = await iam.roles.findByArn(roleArn(roleName));
        if (!role) throw new ConsoleRefusal(404, 'NoSuchEntity', `Role ${roleName} does not exist.`);
        const trust = JSON.parse(role.trustPolicy) as { Version?: string; Statement?: unknown };
        const statements = Array.isArray(trust.Statement) ? trust.Statement : trust.Statement ? [trust.Statement] : [];
        await iamCall(request, { Action: 'UpdateAssumeRolePolicy', RoleName: roleName, PolicyDocument: JSON.stringify({ Version: trust.Version ?? '2012-10-17', Statement: [...statements, TRUST_STATEMENT] }) });
        return { applied: fix.kind };
      }
      case 'grant-read': {
        const roleName = str(fix.roleName, 'roleName', 64);
        await iamCall(request, { Action: 'PutRolePolicy', RoleName: roleName, PolicyName: `read-${str(fix.bucket, 'bucket', 63)}`, PolicyDocument: readPolicyDocument(fix.bucket, fix.prefix ?? '') });
        return { applied: fix.kind };
      }
      case 'device-policy': {
        const call = iotCaller(request);
        const policyName = str(fix.policyName, 'policyName', 128);
        const exists = await call({ method: 'GET', path: `/policies/${seg(policyName)}` }).then(
          () => true,
          (error: unknown) => {
            if (error instanceof ConsoleRefusal && error.code === 'ResourceNotFoundException') return false;
            throw error;
          },
        );
        if (!exists) await call({ method: 'POST', path: `/policies/${seg(policyName)}`, body: { policyDocument: devicePolicy(ctx.region, ctx.accountId) } });
        for (const thingName of Array.isArray(fix.things) ? fix.things : []) {
          const principals = ((await call({ method: 'GET', path: `/things/${seg(String(thingName))}/principals` })).principals ?? []) as string[];
          for (const target of principals.filter((p) => p.includes(':cert/'))) await call({ method: 'PUT', path: `/target-policies/${seg(policyName)}`, body: { target } });
        }
        return { applied: fix.kind };
      }
      default:
        throw new ConsoleRefusal(400, 'InvalidRequestException', 'Unknown fix.');
    }
  });
}
