import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddThingToThingGroupCommand,
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateKeysAndCertificateCommand,
  CreatePolicyCommand,
  CreateThingCommand,
  CreateThingGroupCommand,
  GetEffectivePoliciesCommand,
  TestAuthorizationCommand,
  type AuthInfo,
} from '@aws-sdk/client-iot';
import { evaluate } from '../../src/policy/index.js';
import { startTestServer } from '../helpers/server.js';
import { rejectsWith, storyPolicy } from './helpers.js';

const ACTIONS = { CONNECT: 'iot:Connect', PUBLISH: 'iot:Publish', SUBSCRIBE: 'iot:Subscribe', RECEIVE: 'iot:Receive' } as const;

test("TestAuthorization agrees with the engine on DESIGN.md's story policy", async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const iot = s.iot();
  const registry = s.server.ctx.services.registry;
  const { region, accountId } = s.endpoints;
  const arn = (rest: string) => `arn:aws:iot:${region}:${accountId}:${rest}`;

  await iot.send(new CreateThingCommand({ thingName: 'miso_things_1' }));
  await iot.send(new CreateThingCommand({ thingName: 'miso_things_2' }));
  const cert = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  await iot.send(new CreatePolicyCommand({ policyName: 'miso-device', policyDocument: storyPolicy(region, accountId) }));
  await iot.send(new AttachPolicyCommand({ policyName: 'miso-device', target: cert.certificateArn! }));
  await iot.send(new AttachThingPrincipalCommand({ thingName: 'miso_things_1', principal: cert.certificateArn! }));

  const cases: Array<{ clientId: string; actionType: keyof typeof ACTIONS; resource: string; expect: string }> = [
    { clientId: 'miso_things_1', actionType: 'CONNECT', resource: arn('client/miso_things_1'), expect: 'ALLOWED' },
    { clientId: 'other', actionType: 'CONNECT', resource: arn('client/other'), expect: 'IMPLICIT_DENY' },
    { clientId: 'miso_things_1', actionType: 'PUBLISH', resource: arn('topic/$aws/things/miso_things_1/jobs/start-next'), expect: 'ALLOWED' },
    { clientId: 'miso_things_1', actionType: 'PUBLISH', resource: arn('topic/$aws/things/miso_things_1/jobs/job-1/update'), expect: 'ALLOWED' },
    { clientId: 'miso_things_1', actionType: 'SUBSCRIBE', resource: arn('topicfilter/$aws/things/miso_things_1/jobs/notify-next'), expect: 'ALLOWED' },
    { clientId: 'miso_things_1', actionType: 'SUBSCRIBE', resource: arn('topicfilter/$aws/things/miso_things_1/jobs/get/+'), expect: 'ALLOWED' },
    { clientId: 'miso_things_1', actionType: 'RECEIVE', resource: arn('topic/$aws/things/miso_things_1/jobs/notify-next'), expect: 'ALLOWED' },
    { clientId: 'miso_things_1', actionType: 'PUBLISH', resource: arn('topic/$aws/things/miso_things_2/jobs/start-next'), expect: 'IMPLICIT_DENY' },
    { clientId: 'miso_things_1', actionType: 'SUBSCRIBE', resource: arn('topicfilter/$aws/things/miso_things_2/jobs/notify-next'), expect: 'IMPLICIT_DENY' },
    { clientId: 'miso_things_1', actionType: 'SUBSCRIBE', resource: arn('topicfilter/$aws/things/+/jobs/notify-next'), expect: 'IMPLICIT_DENY' },
    { clientId: 'miso_things_1', actionType: 'PUBLISH', resource: arn('topic/sensors/temperature'), expect: 'IMPLICIT_DENY' },
    // A client id that names no attached thing leaves ${iot:Connection.Thing.ThingName} unresolved: nothing matches.
    { clientId: 'miso_things_2', actionType: 'PUBLISH', resource: arn('topic/$aws/things/miso_things_2/jobs/start-next'), expect: 'IMPLICIT_DENY' },
    { clientId: 'miso_things_2', actionType: 'CONNECT', resource: arn('client/miso_things_2'), expect: 'ALLOWED' },
  ];
  for (const c of cases) {
    const authInfos: AuthInfo[] = [{ actionType: c.actionType, resources: [c.resource] }];
    const { authResults } = await iot.send(new TestAuthorizationCommand({ principal: cert.certificateArn!, clientId: c.clientId, authInfos }));
    const result = authResults![0]!;
    assert.equal(result.authDecision, c.expect, `${c.clientId} ${c.actionType} ${c.resource}`);
    // The broker's view: the same certificate and client id through resolveDeviceIdentity and the engine.
    const identity = await registry.resolveDeviceIdentity(cert.certificatePem!, { clientId: c.clientId });
    assert.ok(identity.ok);
    const engine = evaluate(identity.policies, { action: ACTIONS[c.actionType], resource: c.resource }).effect;
    assert.equal(engine === 'Allow' ? 'ALLOWED' : engine === 'ExplicitDeny' ? 'EXPLICIT_DENY' : 'IMPLICIT_DENY', c.expect, `engine: ${c.clientId} ${c.actionType} ${c.resource}`);
    if (c.expect === 'ALLOWED') assert.deepEqual(result.allowed?.policies?.map((p) => p.policyName), ['miso-device']);
    else assert.deepEqual(result.denied?.implicitDeny?.policies?.map((p) => p.policyName), ['miso-device']);
  }

  const identity = await registry.resolveDeviceIdentity(cert.certificateId!, { clientId: 'other' });
  assert.ok(identity.ok);
  assert.equal(identity.thing, undefined);
  assert.equal(identity.variables['iot:Connection.Thing.IsAttached'], 'false');
  const unresolved = await iot.send(new TestAuthorizationCommand({ principal: cert.certificateArn!, clientId: 'other', authInfos: [{ actionType: 'PUBLISH', resources: [arn('topic/x')] }] }));
  assert.deepEqual(unresolved.authResults![0]!.missingContextValues, ['iot:Connection.Thing.ThingName']);
  // Connect is judged by the Connect statement alone (client/miso*, no variable): the Publish
  // statements' thing variable does not explain its refusal.
  const connect = await iot.send(new TestAuthorizationCommand({ principal: cert.certificateArn!, clientId: 'other', authInfos: [{ actionType: 'CONNECT', resources: [arn('client/other')] }, { actionType: 'PUBLISH', resources: [arn('topic/x')] }] }));
  assert.deepEqual(connect.authResults!.map((r) => [r.authDecision, r.missingContextValues]), [['IMPLICIT_DENY', []], ['IMPLICIT_DENY', ['iot:Connection.Thing.ThingName']]]);
});

test('thing-group policies apply through the hierarchy; explicit Deny wins; GetEffectivePolicies; policyNamesToAdd/Skip', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const iot = s.iot();
  const registry = s.server.ctx.services.registry;
  const { region, accountId } = s.endpoints;
  const arn = (rest: string) => `arn:aws:iot:${region}:${accountId}:${rest}`;
  const policy = (effect: string, action: string, resource: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: effect, Action: action, Resource: resource }] });

  await iot.send(new CreateThingCommand({ thingName: 'oven' }));
  const cert = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  await iot.send(new AttachThingPrincipalCommand({ thingName: 'oven', principal: cert.certificateArn! }));
  const fleet = await iot.send(new CreateThingGroupCommand({ thingGroupName: 'fleet' }));
  await iot.send(new CreateThingGroupCommand({ thingGroupName: 'kitchen', parentGroupName: 'fleet' }));
  await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'kitchen', thingName: 'oven' }));
  await iot.send(new CreatePolicyCommand({ policyName: 'connect-own', policyDocument: policy('Allow', 'iot:Connect', arn('client/${iot:Connection.Thing.ThingName}')) }));
  await iot.send(new CreatePolicyCommand({ policyName: 'fleet-telemetry', policyDocument: policy('Allow', 'iot:Publish', arn('topic/telemetry/*')) }));
  await iot.send(new CreatePolicyCommand({ policyName: 'no-secrets', policyDocument: policy('Deny', 'iot:Publish', arn('topic/telemetry/secret')) }));
  await iot.send(new AttachPolicyCommand({ policyName: 'connect-own', target: cert.certificateArn! }));
  await iot.send(new AttachPolicyCommand({ policyName: 'fleet-telemetry', target: fleet.thingGroupArn! }));

  const effective = await iot.send(new GetEffectivePoliciesCommand({ principal: cert.certificateArn!, thingName: 'oven' }));
  assert.deepEqual(effective.effectivePolicies!.map((p) => p.policyName), ['connect-own', 'fleet-telemetry']);
  assert.ok(effective.effectivePolicies!.every((p) => typeof p.policyDocument === 'string' && p.policyArn));
  const certOnly = await iot.send(new GetEffectivePoliciesCommand({ principal: cert.certificateArn! }));
  assert.deepEqual(certOnly.effectivePolicies!.map((p) => p.policyName), ['connect-own']);
  await rejectsWith(iot.send(new GetEffectivePoliciesCommand({ principal: cert.certificateArn!, thingName: 'ghost' })), 'ResourceNotFoundException', 404);

  const test1 = async (clientId: string, resource: string, extra: { add?: string[]; skip?: string[] } = {}) =>
    (
      await iot.send(
        new TestAuthorizationCommand({
          principal: cert.certificateArn!,
          clientId,
          authInfos: [{ actionType: 'PUBLISH', resources: [resource] }],
          ...(extra.add ? { policyNamesToAdd: extra.add } : {}),
          ...(extra.skip ? { policyNamesToSkip: extra.skip } : {}),
        }),
      )
    ).authResults![0]!;
  // The group's policy (inherited from the parent) applies when the client id names the thing.
  const allowed = await test1('oven', arn('topic/telemetry/temp'));
  assert.equal(allowed.authDecision, 'ALLOWED');
  assert.deepEqual(allowed.allowed?.policies?.map((p) => p.policyName), ['fleet-telemetry']);
  assert.equal((await test1('someone-else', arn('topic/telemetry/temp'))).authDecision, 'IMPLICIT_DENY');
  assert.equal((await test1('oven', arn('topic/telemetry/temp'), { skip: ['fleet-telemetry'] })).authDecision, 'IMPLICIT_DENY');
  const denied = await test1('oven', arn('topic/telemetry/secret'), { add: ['no-secrets'] });
  assert.equal(denied.authDecision, 'EXPLICIT_DENY');
  assert.deepEqual(denied.denied?.explicitDeny?.policies?.map((p) => p.policyName), ['no-secrets']);
  await rejectsWith(test1('oven', arn('topic/x'), { add: ['nope'] }), 'ResourceNotFoundException', 404);
  await rejectsWith(iot.send(new TestAuthorizationCommand({ principal: cert.certificateArn!, authInfos: [{ actionType: 'FLY' as never, resources: ['*'] }] })), 'InvalidRequestException', 400);

  // Attaching the deny to the parent group reaches the device through the hierarchy, as the broker sees it.
  await iot.send(new AttachPolicyCommand({ policyName: 'no-secrets', target: fleet.thingGroupArn! }));
  const identity = await registry.resolveDeviceIdentity(cert.certificatePem!, { clientId: 'oven' });
  assert.ok(identity.ok);
  assert.deepEqual(identity.documents.map((d) => d.policyName), ['connect-own', 'fleet-telemetry', 'no-secrets']);
  assert.equal(evaluate(identity.policies, { action: 'iot:Publish', resource: arn('topic/telemetry/secret') }).effect, 'ExplicitDeny');
  assert.equal(evaluate(identity.policies, { action: 'iot:Connect', resource: arn('client/oven') }).effect, 'Allow');
  assert.equal(identity.thing?.name, 'oven');
});
