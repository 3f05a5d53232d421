import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateThingCommand,
  CreateThingGroupCommand,
  DescribeJobExecutionCommand,
  DescribeThingCommand,
  DescribeThingGroupCommand,
  GetJobDocumentCommand,
  ListTagsForResourceCommand,
  ListThingsCommand,
  SearchIndexCommand,
  TagResourceCommand,
  UpdateThingCommand,
} from '@aws-sdk/client-iot';
import { CreateRoleCommand, ListRolesCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { HttpRequest } from '@smithy/protocol-http';
import { rejectsWith } from '../helpers/assert.js';
import { startTestServer } from '../helpers/server.js';
import { createJob, JobsDevice, provisionDevices } from '../jobs/helpers.js';

const KEYS = ['__proto__', 'constructor', 'prototype'] as const;

/** A map holding the three keys as its own (an object literal's `__proto__:` would set its prototype instead). */
const hostileMap = (value: (key: string) => string): Record<string, string> => JSON.parse(JSON.stringify(Object.fromEntries(KEYS.map((k) => [k, value(k)]))));

/** Nothing in this process (the server runs in it) gained a property through Object.prototype. */
function assertUnpolluted(): void {
  const probe: Record<string, unknown> = {};
  for (const name of ['p', 'c', 'x', 'polluted']) assert.equal(probe[name], undefined, `Object.prototype.${name}`);
  assert.equal(typeof probe.constructor, 'function');
  assert.equal(Object.getPrototypeOf(probe), Object.prototype);
}

// Issue 24: CreateThing with an attribute named __proto__ answered 200 and stored nothing for it.
test('__proto__, constructor and prototype round-trip as thing and thing-group attributes (the fleet index included), tags, job document keys, statusDetails and S3 metadata', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const iot = s.iot();

  // Thing attributes: create, describe, list, merge-update (an empty value removes one).
  const attributes = hostileMap((k) => `value-of${k}`);
  await iot.send(new CreateThingCommand({ thingName: 'proto-thing', attributePayload: { attributes } }));
  const described = await iot.send(new DescribeThingCommand({ thingName: 'proto-thing' }));
  assert.deepEqual(Object.entries(described.attributes!).sort(), Object.entries(attributes).sort());
  const listed = await iot.send(new ListThingsCommand({}));
  assert.deepEqual(Object.keys(listed.things![0]!.attributes!).sort(), [...KEYS].sort());
  const search = async (queryString: string) => (await iot.send(new SearchIndexCommand({ queryString }))).things!.map((x) => x.thingName);
  for (const k of KEYS) assert.deepEqual(await search(`attributes.${k}:value-of${k}`), ['proto-thing'], `the fleet index by ${k}`);
  await iot.send(new UpdateThingCommand({ thingName: 'proto-thing', attributePayload: { attributes: JSON.parse('{"__proto__":"","constructor":"changed"}'), merge: true } }));
  const updated = await iot.send(new DescribeThingCommand({ thingName: 'proto-thing' }));
  assert.deepEqual(Object.entries(updated.attributes!).sort(), [['constructor', 'changed'], ['prototype', 'value-ofprototype']]);

  // The fleet index finds the thing by those attributes as they are now, and by nothing inherited.
  assert.deepEqual(await search('attributes.constructor:changed'), ['proto-thing']);
  assert.deepEqual(await search('attributes.prototype:value-ofprototype'), ['proto-thing']);
  assert.deepEqual(await search('attributes.__proto__:*'), [], 'removed by the merge-update');
  assert.deepEqual(await search('attributes.toString:*'), []);

  // Thing group attributes and tags.
  const group = await iot.send(new CreateThingGroupCommand({ thingGroupName: 'proto-group', thingGroupProperties: { attributePayload: { attributes } }, tags: KEYS.map((k) => ({ Key: k, Value: k })) }));
  const groupAttributes = (await iot.send(new DescribeThingGroupCommand({ thingGroupName: 'proto-group' }))).thingGroupProperties!.attributePayload!.attributes!;
  assert.deepEqual(Object.entries(groupAttributes).sort(), Object.entries(attributes).sort());
  await iot.send(new TagResourceCommand({ resourceArn: group.thingGroupArn!, tags: [{ Key: '__proto__', Value: 'retagged' }] }));
  const tags = (await iot.send(new ListTagsForResourceCommand({ resourceArn: group.thingGroupArn! }))).tags!;
  assert.deepEqual(tags.map((x) => [x.Key, x.Value]).sort(), [['__proto__', 'retagged'], ['constructor', 'constructor'], ['prototype', 'prototype']]);

  // statusDetails: the device reports them over MQTT; the control plane's DescribeJobExecution shows them.
  const devices = await provisionDevices(s, ['miso_proto']);
  // The job document's own keys named like Object properties reach the device as keys.
  const document = JSON.stringify({ operation: 'noop', ...hostileMap((k) => `doc ${k}`) });
  await createJob(s, { jobId: 'proto-job', things: ['miso_proto'], document });
  assert.equal((await iot.send(new GetJobDocumentCommand({ jobId: 'proto-job' }))).document, document);
  const device = await JobsDevice.connect(s, 'miso_proto', devices.get('miso_proto')!);
  t.after(() => device.end());
  const details = hostileMap((k) => `detail ${k}`);
  const started = await device.accepted('start-next', { statusDetails: details });
  assert.deepEqual(Object.entries(started.execution.statusDetails).sort(), Object.entries(details).sort());
  assert.deepEqual(Object.entries(started.execution.jobDocument).sort(), Object.entries(JSON.parse(document)).sort());
  const execution = await iot.send(new DescribeJobExecutionCommand({ jobId: 'proto-job', thingName: 'miso_proto' }));
  assert.deepEqual(Object.entries(execution.execution!.statusDetails!.detailsMap!).sort(), Object.entries(details).sort());

  // S3 user metadata (x-amz-meta-__proto__ and friends). Ferry stores and returns all three headers; the JS SDK's own
  // Metadata map then drops __proto__ (it assigns prefixed headers into a plain object), so the headers are read as received.
  const s3 = s.s3();
  const received: Record<string, string> = {};
  s3.middlewareStack.add(
    (next) => async (args) => {
      const out = await next(args);
      const headers = (out.response as { headers: Record<string, string> }).headers;
      for (const [name, value] of Object.entries(headers)) if (name.startsWith('x-amz-meta-')) Object.defineProperty(received, name, { value, enumerable: true });
      return out;
    },
    { step: 'finalizeRequest', name: 'metadataHeaders' },
  );
  const metadata = hostileMap((k) => `meta-${k.replace(/_/g, '')}`);
  await s3.send(new CreateBucketCommand({ Bucket: 'proto' }));
  await s3.send(new PutObjectCommand({ Bucket: 'proto', Key: 'o', Body: 'x', Metadata: metadata }));
  const head = await s3.send(new HeadObjectCommand({ Bucket: 'proto', Key: 'o' }));
  assert.deepEqual(Object.entries(received).sort(), Object.entries(metadata).map(([k, v]) => [`x-amz-meta-${k}`, v]).sort());
  assert.deepEqual([head.Metadata!.constructor, head.Metadata!.prototype], ['meta-constructor', 'meta-prototype']);

  assertUnpolluted();
});

test('names looked up in the server\'s own tables find nothing inherited: Action=constructor, a "constructor" principal type', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  // aws-query: the Action names an operation only if IAM has it.
  for (const action of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
    const iam = s.iam();
    iam.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as HttpRequest;
        if (typeof request.body === 'string') request.body = request.body.replace('Action=ListRoles', `Action=${encodeURIComponent(action)}`);
        return next(args);
      },
      { step: 'serialize', priority: 'low', name: 'renameAction' },
    );
    await rejectsWith(iam.send(new ListRolesCommand({})), 'InvalidAction', 400, new RegExp(`Could not find operation ${action}`));
  }
  assert.deepEqual((await s.iam().send(new ListRolesCommand({}))).Roles, []);

  // A trust policy's Principal type "constructor" is no type IAM knows.
  const trust = (type: string) => `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"${type}":"iot.amazonaws.com"},"Action":"sts:AssumeRole"}]}`;
  for (const type of ['constructor', '__proto__', 'toString']) {
    await rejectsWith(s.iam().send(new CreateRoleCommand({ RoleName: `r-${type.replace(/_/g, '')}`, AssumeRolePolicyDocument: trust(type) })), 'MalformedPolicyDocumentException', 400, /unknown principal type/);
  }
  await s.iam().send(new CreateRoleCommand({ RoleName: 'r-service', AssumeRolePolicyDocument: trust('Service') }));
  assert.deepEqual((await s.iam().send(new ListRolesCommand({}))).Roles!.map((r) => r.RoleName), ['r-service']);
  assertUnpolluted();
});
