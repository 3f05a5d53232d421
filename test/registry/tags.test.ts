import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateKeysAndCertificateCommand,
  CreatePolicyCommand,
  CreateThingCommand,
  CreateThingGroupCommand,
  ListTagsForResourceCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-iot';
import { startTestServer } from '../helpers/server.js';
import { rejectsWith } from './helpers.js';

test('tags on things, thing groups, policies and certificates', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const iot = s.iot();
  const { region, accountId } = s.endpoints;

  const thing = await iot.send(new CreateThingCommand({ thingName: 'mixer' }));
  const group = await iot.send(new CreateThingGroupCommand({ thingGroupName: 'fleet', tags: [{ Key: 'env', Value: 'prod' }] }));
  const policy = await iot.send(new CreatePolicyCommand({ policyName: 'p', policyDocument: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}]}', tags: [{ Key: 'owner', Value: 'ops' }] }));
  const cert = await iot.send(new CreateKeysAndCertificateCommand({}));

  assert.deepEqual((await iot.send(new ListTagsForResourceCommand({ resourceArn: group.thingGroupArn! }))).tags, [{ Key: 'env', Value: 'prod' }]);
  assert.deepEqual((await iot.send(new ListTagsForResourceCommand({ resourceArn: policy.policyArn! }))).tags, [{ Key: 'owner', Value: 'ops' }]);
  for (const arn of [thing.thingArn!, group.thingGroupArn!, policy.policyArn!, cert.certificateArn!]) {
    await iot.send(new TagResourceCommand({ resourceArn: arn, tags: [{ Key: 'team', Value: 'miso' }, { Key: 'tier', Value: '1' }] }));
    await iot.send(new TagResourceCommand({ resourceArn: arn, tags: [{ Key: 'tier', Value: '2' }] }));
    const tags = (await iot.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags!;
    assert.deepEqual(tags.filter((tg) => tg.Key !== 'env' && tg.Key !== 'owner'), [{ Key: 'team', Value: 'miso' }, { Key: 'tier', Value: '2' }]);
    await iot.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['tier', 'absent'] }));
    assert.ok(!(await iot.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags!.some((tg) => tg.Key === 'tier'));
  }

  const ghost = `arn:aws:iot:${region}:${accountId}:thing/ghost`;
  await rejectsWith(iot.send(new TagResourceCommand({ resourceArn: ghost, tags: [{ Key: 'a', Value: 'b' }] })), 'ResourceNotFoundException', 404);
  await rejectsWith(iot.send(new ListTagsForResourceCommand({ resourceArn: 'arn:aws:s3:::bucket' })), 'InvalidRequestException', 400);
  const many = Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
  await rejectsWith(iot.send(new TagResourceCommand({ resourceArn: thing.thingArn!, tags: many })), 'LimitExceededException', 410);
});
