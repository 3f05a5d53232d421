import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AttachPolicyCommand, CreateThingCommand, AttachThingPrincipalCommand, type IoTClient } from '@aws-sdk/client-iot';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { closed, connect, createEcCertificate, createPolicy, end, inbox, provisionThing, storyPolicy, subscribe } from './helpers.js';
import { sdkDevice, sdkEnd, sdkPublish, sdkSubscribe } from './device-sdk.js';

const jobs = (thing: string, rest: string) => `$aws/things/${thing}/jobs/${rest}`;

/** The story's device policy (DESIGN.md): each device may use its own Jobs topics and nothing else. */
describe('mqtt authorization: the story device policy', () => {
  let ts: TestServer;
  let iot: IoTClient;
  let one: Awaited<ReturnType<typeof provisionThing>>;
  let two: Awaited<ReturnType<typeof provisionThing>>;

  before(async () => {
    ts = await startTestServer();
    iot = ts.iot();
    await createPolicy(iot, 'story', storyPolicy(ts));
    one = await provisionThing(iot, 'miso_things_1', 'story');
    two = await provisionThing(iot, 'miso_things_2', 'story');
  });
  after(() => ts.close());

  test('subscribe: its own Jobs topics are granted, another thing\'s get 0x80 and the connection stays', async () => {
    const device = await connect(ts, one, 'miso_things_1');
    try {
      const granted = await subscribe(device, [
        jobs('miso_things_1', 'notify-next'),
        jobs('miso_things_1', 'get/+'),
        jobs('miso_things_2', 'notify-next'),
        '$aws/things/+/jobs/notify',
        'anything/else',
      ]);
      assert.deepEqual(granted, [1, 1, 128, 128, 128]);
      assert.equal(device.connected, true);
      assert.deepEqual(await subscribe(device, [jobs('miso_things_1', 'notify')]), [1], 'still usable after a refused filter');
    } finally {
      await end(device);
    }
  });

  test('receive: what Ferry publishes to its own Jobs topics arrives, nothing of another thing does', async () => {
    const messaging = ts.server.ctx.services.deviceMessaging;
    const device = await connect(ts, one, 'miso_things_1');
    try {
      const box = inbox(device);
      await subscribe(device, [jobs('miso_things_1', 'notify-next')]);
      await messaging.publish({ topic: jobs('miso_things_2', 'notify-next'), payload: { for: 'two' }, qos: 1 });
      await messaging.publish({ topic: jobs('miso_things_1', 'notify-next'), payload: { for: 'one' }, qos: 1 });
      const got = await box.next();
      assert.deepEqual({ topic: got.topic, payload: JSON.parse(got.payload) }, { topic: jobs('miso_things_1', 'notify-next'), payload: { for: 'one' } });
      assert.equal(box.all.length, 1);
    } finally {
      await end(device);
    }
  });

  test('publish: its own Jobs request topics are accepted; another thing\'s closes the connection', async () => {
    const device = await connect(ts, one, 'miso_things_1');
    await device.publishAsync(jobs('miso_things_1', 'get'), '{}', { qos: 1 });
    await device.publishAsync(jobs('miso_things_1', 'job-1/update'), '{"status":"IN_PROGRESS"}', { qos: 1 });
    assert.equal(device.connected, true);
    const gone = closed(device);
    device.publish(jobs('miso_things_2', 'get'), '{}', { qos: 1 });
    await gone;
    assert.equal(device.connected, false);
    await end(device);
  });

  test('publish: a device cannot answer for the service (…/accepted, notify) even on its own topics', async () => {
    for (const topic of [jobs('miso_things_1', 'get/accepted'), jobs('miso_things_1', 'notify-next'), '$aws/events/presence/connected/miso_things_1']) {
      const device = await connect(ts, one, 'miso_things_1');
      const gone = closed(device);
      device.publish(topic, '{}', { qos: 1 });
      await gone;
      await end(device);
    }
    const device = await connect(ts, one, 'miso_things_1');
    await device.publishAsync(jobs('miso_things_1', 'start-next'), '{}', { qos: 1 });
    assert.equal(device.connected, true, 'the request topic beside them is fine');
    await end(device);
  });

  test('receive is checked per delivery: a wildcard subscription still gets only the device\'s own topics', async () => {
    // A policy that lets the device subscribe widely but receive only its own topics.
    const arn = (rest: string) => `arn:aws:iot:${ts.endpoints.region}:${ts.endpoints.accountId}:${rest}`;
    await createPolicy(
      iot,
      'wide-subscribe',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: 'iot:Connect', Resource: arn('client/${iot:Connection.Thing.ThingName}') },
          { Effect: 'Allow', Action: 'iot:Subscribe', Resource: arn('topicfilter/$aws/things/*') },
          { Effect: 'Allow', Action: 'iot:Receive', Resource: arn('topic/$aws/things/${iot:Connection.Thing.ThingName}/jobs/*') },
        ],
      }),
    );
    await iot.send(new CreateThingCommand({ thingName: 'watcher' }));
    const creds = await createEcCertificate(iot);
    await iot.send(new AttachPolicyCommand({ policyName: 'wide-subscribe', target: creds.certificateArn }));
    await iot.send(new AttachThingPrincipalCommand({ thingName: 'watcher', principal: creds.certificateArn }));
    const watcher = await connect(ts, creds, 'watcher');
    try {
      const box = inbox(watcher);
      assert.deepEqual(await subscribe(watcher, ['$aws/things/+/jobs/notify']), [1]);
      const messaging = ts.server.ctx.services.deviceMessaging;
      for (const thing of ['miso_things_1', 'miso_things_2', 'watcher']) await messaging.publish({ topic: jobs(thing, 'notify'), payload: thing, qos: 1 });
      const got = await box.next();
      assert.equal(got.topic, jobs('watcher', 'notify'));
      assert.equal(box.all.length, 1, 'the other things\' notifications were not delivered');
    } finally {
      await end(watcher);
    }
  });

  test('with the AWS IoT Device SDK: the device subscribes, publishes and receives on its own Jobs topics', async () => {
    const device = await sdkDevice(ts, two, 'miso_things_2');
    try {
      assert.equal(await sdkSubscribe(device, jobs('miso_things_2', 'notify-next')), 1);
      const arrived = new Promise<{ topic: string; payload: string }>((resolve) =>
        device.once('message', (topic: string, payload: Buffer) => resolve({ topic, payload: payload.toString() })),
      );
      await ts.server.ctx.services.deviceMessaging.publish({ topic: jobs('miso_things_2', 'notify-next'), payload: { timestamp: 1 }, qos: 1 });
      assert.deepEqual(await arrived, { topic: jobs('miso_things_2', 'notify-next'), payload: '{"timestamp":1}' });
      await sdkPublish(device, jobs('miso_things_2', 'get'), '{}');
    } finally {
      await sdkEnd(device);
    }
  });
});
