import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ListRolesCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { HttpRequest } from '@smithy/protocol-http';
import type { MiddlewareStack } from '@smithy/types';
import { rejectsWith } from '../../helpers/assert.js';
import { startTestServer } from '../../helpers/server.js';
import { rawRequest } from '../../helpers/http.js';
import { signRequest } from '../../helpers/sign.js';

/** Rewrites the aws-query body's Version parameter (or drops it) before the request is signed. */
function withVersion<C extends { middlewareStack: MiddlewareStack<any, any> }>(client: C, version: string | undefined): C {
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as HttpRequest;
      if (typeof request.body === 'string') {
        const params = new URLSearchParams(request.body);
        if (version === undefined) params.delete('Version');
        else params.set('Version', version);
        request.body = params.toString();
      }
      return next(args);
    },
    { step: 'serialize', priority: 'low', name: 'rewriteVersion' },
  );
  return client;
}

test('IAM and STS refuse an unknown or missing Version with 400 InvalidAction, beside the right one accepted', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());

  // The SDKs send each service's own version: accepted.
  const roles = await s.iam().send(new ListRolesCommand({}));
  assert.deepEqual(roles.Roles, []);
  const who = await s.sts().send(new GetCallerIdentityCommand({}));
  assert.equal(who.Account, s.endpoints.accountId);

  for (const version of ['1999-01-01', '2011-06-15', undefined]) {
    await rejectsWith(withVersion(s.iam(), version).send(new ListRolesCommand({})), 'InvalidAction', 400, /Could not find operation ListRoles for .*IAM speaks Version=2010-05-08/);
  }
  for (const version of ['1999-01-01', '2010-05-08', undefined]) {
    await rejectsWith(withVersion(s.sts(), version).send(new GetCallerIdentityCommand({})), 'InvalidAction', 400, /STS speaks Version=2011-06-15/);
  }
  // An explicitly right version, through the same rewriting, still works.
  assert.deepEqual((await withVersion(s.iam(), '2010-05-08').send(new ListRolesCommand({}))).Roles, []);
});

test('an STS error carries the STS namespace and an IAM error the IAM one, though both services share POST /', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const url = `${s.endpoints.endpoints.iam}/`;
  const call = async (service: string, region: string, body: string) => {
    const headers = { 'content-type': 'application/x-www-form-urlencoded' };
    const signed = await signRequest({ url, method: 'POST', service, region, credentials: s.credentials, headers, body, signingDate: new Date(s.clock.now()) });
    return rawRequest({ url, method: 'POST', headers: signed.headers, ca: s.ca, body });
  };
  const sts = await call('sts', s.endpoints.region, 'Action=GetCallerIdentity&Version=1999-01-01');
  assert.equal(sts.status, 400, sts.body);
  assert.match(sts.body, /<ErrorResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/">/);
  const iam = await call('iam', 'us-east-1', 'Action=ListRoles&Version=1999-01-01');
  assert.equal(iam.status, 400, iam.body);
  assert.match(iam.body, /<ErrorResponse xmlns="https:\/\/iam\.amazonaws\.com\/doc\/2010-05-08\/">/);
  // Beside them, the same calls with the right versions answer.
  assert.equal((await call('sts', s.endpoints.region, 'Action=GetCallerIdentity&Version=2011-06-15')).status, 200);
  assert.equal((await call('iam', 'us-east-1', 'Action=ListRoles&Version=2010-05-08')).status, 200);
});
