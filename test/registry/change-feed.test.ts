import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddThingToThingGroupCommand,
  AttachPolicyCommand,
  CreateKeysAndCertificateCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateThingCommand,
  CreateThingGroupCommand,
  DeleteThingCommand,
  DetachPolicyCommand,
  SetDefaultPolicyVersionCommand,
  UpdateCertificateCommand,
  UpdateThingCommand,
} from '@aws-sdk/client-iot';
import { ChangeFeed } from '../../src/registry/index.js';
import { startTestServer } from '../helpers/server.js';

const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

test('ChangeFeed: listeners are awaited, a failing one is reported and does not stop the others, unsubscribe works', async () => {
  const errors: string[] = [];
  const feed = new ChangeFeed((error, name) => errors.push(`${name}:${(error as Error).message}`));
  const seen: string[] = [];
  const off = feed.on('thing-deleted', async (e) => {
    await turns(3);
    seen.push(`slow:${e.thingName}`);
  });
  feed.on('thing-deleted', () => {
    throw new Error('boom');
  });
  feed.onAny((name, e) => void seen.push(`any:${name}:${JSON.stringify(e)}`));
  await feed.emit('thing-deleted', { thingName: 't' });
  assert.deepEqual(seen, ['any:thing-deleted:{"thingName":"t"}', 'slow:t']);
  assert.deepEqual(errors, ['thing-deleted:boom']);
  off();
  await feed.emit('thing-deleted', { thingName: 'u' });
  assert.deepEqual(seen.slice(2), ['any:thing-deleted:{"thingName":"u"}']);
});

test('the change feed announces certificate, policy, principal and membership changes before the API call answers', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const iot = s.iot();
  const feed = s.server.ctx.services.registry.feed;
  const events: string[] = [];
  feed.onAny(async (name, e) => {
    await turns(2); // a subscriber that takes a while (the broker closing connections)
    events.push(`${name} ${JSON.stringify(e)}`);
  });

  const cert = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  await iot.send(new UpdateCertificateCommand({ certificateId: cert.certificateId!, newStatus: 'INACTIVE' }));
  assert.deepEqual(events, [`certificate-status {"certificateId":"${cert.certificateId}","status":"INACTIVE","previousStatus":"ACTIVE"}`]);

  events.length = 0;
  const doc = (a: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: a, Resource: '*' }] });
  await iot.send(new CreatePolicyCommand({ policyName: 'p', policyDocument: doc('iot:Connect') }));
  await iot.send(new AttachPolicyCommand({ policyName: 'p', target: cert.certificateArn! }));
  await iot.send(new CreatePolicyVersionCommand({ policyName: 'p', policyDocument: doc('iot:Publish') })); // not default: no change
  await iot.send(new CreatePolicyVersionCommand({ policyName: 'p', policyDocument: doc('iot:Receive'), setAsDefault: true }));
  await iot.send(new SetDefaultPolicyVersionCommand({ policyName: 'p', policyVersionId: '2' }));
  await iot.send(new DetachPolicyCommand({ policyName: 'p', target: cert.certificateArn! }));
  assert.deepEqual(events, [
    `policy-attachment {"policyName":"p","target":"${cert.certificateArn}","attached":true}`,
    'policy-changed {"policyName":"p"}',
    'policy-changed {"policyName":"p"}',
    `policy-attachment {"policyName":"p","target":"${cert.certificateArn}","attached":false}`,
  ]);

  events.length = 0;
  await iot.send(new CreateThingCommand({ thingName: 'oven' }));
  await iot.send(new CreateThingGroupCommand({ thingGroupName: 'kitchen' }));
  await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'kitchen', thingName: 'oven' }));
  await iot.send(new UpdateThingCommand({ thingName: 'oven', attributePayload: { attributes: { a: 'b' } } }));
  await iot.send(new DeleteThingCommand({ thingName: 'oven' }));
  assert.deepEqual(events, [
    'thing-created {"thingName":"oven"}',
    'thing-group-membership {"thingName":"oven","groupName":"kitchen","member":true}',
    'thing-updated {"thingName":"oven"}',
    'thing-deleted {"thingName":"oven"}',
  ]);
});
