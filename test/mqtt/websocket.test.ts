/**
 * MQTT over WebSocket at /mqtt on the device and api listeners: SigV4
 * presigned URLs (root key, role sessions from the credentials provider)
 * judged by IAM policies, live; refusals before the upgrade beside successes;
 * the 24-hour limit on the clock; a client certificate as a Ferry extension.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddUserToGroupCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreateUserCommand,
  DeleteRolePolicyCommand,
  PutGroupPolicyCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  RemoveUserFromGroupCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { presignUrl } from '../../src/protocols/sigv4/index.js';
import { engines } from '../helpers/stores.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { closed, connect, createPolicy, end, flush, openPolicy, provisionThing, subscribe } from './helpers.js';
import { connectWebSocket, iamMqttPolicy, roleSession, signWebSocketUrl, upgradeOutcome, webSocketEndpoint, type AwsCredentials } from './websocket-helpers.js';

for (const { engine, skip } of engines()) describe(`mqtt over websocket [${engine}]`, { skip }, () => {
  let ts: TestServer;
  let root: AwsCredentials;
  let app: AwsCredentials;
  let region: string;
  const sign = (listener: 'device' | 'api', creds: AwsCredentials, opts: Parameters<typeof signWebSocketUrl>[2] extends infer O ? Partial<O> : never = {}) =>
    signWebSocketUrl(webSocketEndpoint(ts, listener), creds, { region, nowMs: ts.clock.now(), ...opts });

  before(async () => {
    ts = await startTestServer({ engine });
    region = ts.endpoints.region;
    root = ts.credentials;
    app = await roleSession(ts, 'app-role', iamMqttPolicy(ts, { clients: 'app-*', topics: 'app/*' }));
  });
  after(() => ts.close());

  test('endpoints.json and the AWS config name the WebSocket endpoint', async () => {
    assert.equal(ts.endpoints.endpoints.mqttWebSocket, `${webSocketEndpoint(ts, 'device')}`);
    const { readFileSync } = await import('node:fs');
    assert.match(readFileSync(ts.endpoints.configFile, 'utf8'), /ferry_mqtt_websocket = wss:\/\/.+\/mqtt/);
  });

  test('a role session allowed its topics connects to both listeners, publishes and receives; subprotocols mqtt and mqttv3.1 are echoed', async () => {
    const onDevice = await connectWebSocket(ts, sign('device', app), 'app-device');
    const onApi = await connectWebSocket(ts, sign('api', app, { hostWithPort: true }), 'app-api');
    assert.deepEqual(await subscribe(onApi.client, ['app/news']), [1]);
    await onDevice.client.publishAsync('app/news', 'hello over wss', { qos: 1 });
    assert.equal((await onApi.box.next('app/news')).payload, 'hello over wss');
    assert.deepEqual(await subscribe(onDevice.client, ['other/topic']), [128], 'outside its IAM policy');
    await end(onDevice.client);
    await end(onApi.client);
    for (const protocol of ['mqtt', 'mqttv3.1']) {
      const outcome = await upgradeOutcome(ts, sign('device', app), [protocol]);
      assert.deepEqual([outcome.status, outcome.protocol], [101, protocol]);
    }
    const unknown = await upgradeOutcome(ts, sign('device', app), ['stomp']);
    assert.equal(unknown.status, 400);
    assert.match(unknown.body, /subprotocol/);
  });

  test('refused before the upgrade, beside an accepted URL: expired, tampered, wrong service, wrong region, missing session token, unsigned', async () => {
    assert.equal((await upgradeOutcome(ts, sign('device', app))).status, 101);
    const cases: Array<[string, string, RegExp]> = [
      ['expired', sign('device', app, { nowMs: ts.clock.now() - 20 * 60_000 }), /Request has expired/],
      ['expired with X-Amz-Expires', sign('device', root, { nowMs: ts.clock.now() - 120_000, expiresSec: 60 }), /Request has expired/],
      ['tampered', sign('device', app).replace(/X-Amz-Signature=([0-9a-f])/, (_m, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`), /signature we calculated does not match/],
      ['wrong service', sign('device', root, { service: 'iotdata' }), /scoped to correct service: 'iotdevicegateway', not 'iotdata'/],
      ['wrong region', sign('api', root, { region: 'eu-west-3' }), /valid region/],
      ['missing session token', sign('device', app, { omitToken: true }), /session token/],
      ['unsigned on the api listener', webSocketEndpoint(ts, 'api'), /Missing Authentication Token/],
    ];
    for (const [name, url, reason] of cases) {
      const outcome = await upgradeOutcome(ts, url);
      assert.equal(outcome.status, 403, `${name}: ${outcome.body}`);
      assert.match(JSON.parse(outcome.body).message, reason, name);
    }
    const wrongPath = await upgradeOutcome(ts, sign('device', app).replace('/mqtt?', '/other?'));
    assert.equal(wrongPath.status, 404);
    assert.equal((await upgradeOutcome(ts, sign('device', app))).status, 101, 'the good URL still works');
  });

  test('a role without iot:Connect for the client id is refused at CONNECT, beside one allowed', async () => {
    await assert.rejects(connectWebSocket(ts, sign('device', app), 'not-app'), /Not authorized/);
    const allowed = await connectWebSocket(ts, sign('device', app), 'app-allowed');
    await end(allowed.client);
    const noConnect = await roleSession(ts, 'no-connect', iamMqttPolicy(ts, { clients: '*', topics: '*', actions: ['iot:Publish', 'iot:Subscribe', 'iot:Receive'] }));
    await assert.rejects(connectWebSocket(ts, sign('device', noConnect), 'app-x'), /Not authorized/);
  });

  test('the root key may do everything; the host is accepted signed with or without its port, the token signed or appended', async () => {
    for (const hostWithPort of [false, true]) {
      const { client, box } = await connectWebSocket(ts, sign('device', root, { hostWithPort }), `root-${hostWithPort}`);
      await subscribe(client, ['anything/at/all']);
      await client.publishAsync('anything/at/all', 'x', { qos: 1 });
      assert.equal((await box.next('anything/at/all')).payload, 'x');
      await end(client);
    }
    // A presigner that signs the session token with the rest of the query and an UNSIGNED-PAYLOAD (as S3 presigners do).
    const origin = webSocketEndpoint(ts, 'device').replace('wss://', 'https://').replace('/mqtt', '');
    const signed = presignUrl({ method: 'GET', origin, path: '/mqtt', accessKeyId: app.accessKeyId, secretAccessKey: app.secretAccessKey, sessionToken: app.sessionToken!, region, service: 'iotdevicegateway', expiresSec: 300, nowMs: ts.clock.now() });
    const { client } = await connectWebSocket(ts, signed.replace('https://', 'wss://'), 'app-token-signed');
    await end(client);
  });

  test('deleting the role policy that allows Receive stops deliveries before the IAM call answers; the connection stays, other permissions hold', async () => {
    const iam = ts.iam();
    const arn = (rest: string) => `arn:aws:iot:${region}:${ts.endpoints.accountId}:${rest}`;
    const base = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'iot:Connect', Resource: arn('client/live-*') },
        { Effect: 'Allow', Action: 'iot:Publish', Resource: arn('topic/live/*') },
        { Effect: 'Allow', Action: 'iot:Subscribe', Resource: arn('topicfilter/live/*') },
        { Effect: 'Allow', Action: 'iot:Receive', Resource: arn('topic/live/mark') },
      ],
    });
    const receive = iamMqttPolicy(ts, { clients: 'live-*', topics: 'live/*', actions: ['iot:Receive'] });
    const creds = await roleSession(ts, 'live-role', base);
    await iam.send(new PutRolePolicyCommand({ RoleName: 'live-role', PolicyName: 'receive', PolicyDocument: receive }));
    const listener = await connectWebSocket(ts, sign('device', creds), 'live-listener');
    const sender = await connectWebSocket(ts, sign('device', root), 'root-sender');
    await subscribe(listener.client, ['live/feed', 'live/mark']);
    await sender.client.publishAsync('live/feed', 'before', { qos: 1 });
    assert.equal((await listener.box.next('live/feed')).payload, 'before');

    await iam.send(new DeleteRolePolicyCommand({ RoleName: 'live-role', PolicyName: 'receive' }));
    await sender.client.publishAsync('live/feed', 'after', { qos: 1 });
    // Delivered in order from one sender: once the mark (still allowed) arrives, 'after' would have.
    await flush(sender.client, listener.client, 'live/mark');
    assert.deepEqual(listener.box.all.filter((m) => m.topic === 'live/feed').map((m) => m.payload), ['before']);
    await listener.client.publishAsync('live/feed', 'its own publish still allowed', { qos: 1 });
    assert.equal(listener.client.connected, true);

    await iam.send(new PutRolePolicyCommand({ RoleName: 'live-role', PolicyName: 'receive', PolicyDocument: receive }));
    await sender.client.publishAsync('live/feed', 'again', { qos: 1 });
    assert.equal((await listener.box.next('live/feed')).payload, 'again');
    await end(listener.client);
    await end(sender.client);
  });

  /** An IAM user and its access key. */
  const userKey = async (userName: string): Promise<AwsCredentials> => {
    const iam = ts.iam();
    await iam.send(new CreateUserCommand({ UserName: userName }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: userName }))).AccessKey!;
    return { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
  };

  /** The disconnected events of these client ids, as a root-key WebSocket client sees them. */
  const watchDisconnects = async (clientId: string, watched: string[]) => {
    const watcher = await connectWebSocket(ts, sign('device', root), clientId);
    await subscribe(watcher.client, watched.map((id) => `$aws/events/presence/disconnected/${id}`));
    return { next: async () => JSON.parse((await watcher.box.next()).payload) as Record<string, unknown>, close: () => end(watcher.client) };
  };

  test('an IAM user allowed by its own and its group\'s policies connects to both listeners, publishes and receives; leaving the group stops deliveries and deactivating its key closes the connection (AUTH_ERROR), before each call answers', async () => {
    const iam = ts.iam();
    await iam.send(new CreateGroupCommand({ GroupName: 'ws-apps' }));
    await iam.send(new PutGroupPolicyCommand({ GroupName: 'ws-apps', PolicyName: 'mqtt', PolicyDocument: iamMqttPolicy(ts, { clients: '${aws:username}-*', topics: 'users/${aws:username}/*', actions: ['iot:Publish', 'iot:Subscribe', 'iot:Receive'] }) }));
    const alice = await userKey('alice');
    const bob = await userKey('bob');
    await iam.send(new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'connect', PolicyDocument: iamMqttPolicy(ts, { clients: 'alice-*', topics: 'none', actions: ['iot:Connect'] }) }));
    await iam.send(new AddUserToGroupCommand({ GroupName: 'ws-apps', UserName: 'alice' }));
    const events = await watchDisconnects('root-watch-alice', ['alice-1']);

    const onDevice = await connectWebSocket(ts, sign('device', alice), 'alice-1');
    const onApi = await connectWebSocket(ts, sign('api', alice), 'alice-2');
    await assert.rejects(connectWebSocket(ts, sign('device', bob), 'bob-1'), /Not authorized/, 'a user no policy allows');
    await assert.rejects(connectWebSocket(ts, sign('device', alice), 'bob-1'), /Not authorized/, 'another client id');
    await subscribe(onApi.client, ['users/alice/inbox']);
    await onDevice.client.publishAsync('users/alice/inbox', 'from alice', { qos: 1 });
    assert.equal((await onApi.box.next('users/alice/inbox')).payload, 'from alice');

    await iam.send(new RemoveUserFromGroupCommand({ GroupName: 'ws-apps', UserName: 'alice' }));
    const sender = await connectWebSocket(ts, sign('device', root), 'root-to-alice');
    await subscribe(sender.client, ['users/alice/inbox']);
    await sender.client.publishAsync('users/alice/inbox', 'not for alice now', { qos: 1 });
    await flush(sender.client, sender.client, 'users/alice/inbox');
    assert.deepEqual(onApi.box.all.map((m) => m.payload), ['from alice'], 'no longer allowed to receive');
    assert.equal(ts.server.ctx.services.deviceMessaging.isConnected('alice-2'), true, 'still allowed to be connected');
    await iam.send(new AddUserToGroupCommand({ GroupName: 'ws-apps', UserName: 'alice' }));

    const gone = closed(onDevice.client);
    await iam.send(new UpdateAccessKeyCommand({ UserName: 'alice', AccessKeyId: alice.accessKeyId, Status: 'Inactive' }));
    assert.equal(ts.server.ctx.services.deviceMessaging.isConnected('alice-1'), false, 'closed on the server before UpdateAccessKey answered');
    assert.equal(ts.server.ctx.services.deviceMessaging.isConnected('alice-2'), false);
    await gone;
    assert.equal((await events.next()).disconnectReason, 'AUTH_ERROR');
    assert.equal((await upgradeOutcome(ts, sign('device', alice))).status, 403, 'an inactive key signs nothing');
    await end(sender.client);
    await events.close();
    onApi.client.end(true);
  });

  test('an IAM user whose policies no longer allow iot:Connect is closed (FORBIDDEN_ACCESS) before the IAM call answers; another user the policy still allows stays', async () => {
    const iam = ts.iam();
    await iam.send(new CreateGroupCommand({ GroupName: 'ws-connect' }));
    const everyone = iamMqttPolicy(ts, { clients: '${aws:username}-*', topics: 'users/${aws:username}/*' });
    await iam.send(new PutGroupPolicyCommand({ GroupName: 'ws-connect', PolicyName: 'mqtt', PolicyDocument: everyone }));
    const carol = await userKey('carol');
    const dave = await userKey('dave');
    for (const user of ['carol', 'dave']) await iam.send(new AddUserToGroupCommand({ GroupName: 'ws-connect', UserName: user }));
    const events = await watchDisconnects('root-watch-carol', ['carol-1', 'dave-1']);
    const onCarol = await connectWebSocket(ts, sign('device', carol), 'carol-1');
    const onDave = await connectWebSocket(ts, sign('api', dave), 'dave-1');

    // The group's policy now allows only dave's client ids.
    const gone = closed(onCarol.client);
    await iam.send(new PutGroupPolicyCommand({ GroupName: 'ws-connect', PolicyName: 'mqtt', PolicyDocument: iamMqttPolicy(ts, { clients: 'dave-*', topics: 'users/${aws:username}/*' }) }));
    assert.equal(ts.server.ctx.services.deviceMessaging.isConnected('carol-1'), false, 'closed on the server before PutGroupPolicy answered');
    await gone;
    const event = await events.next();
    assert.deepEqual([event.clientId, event.disconnectReason, event.clientInitiatedDisconnect, event.principalIdentifier], ['carol-1', 'FORBIDDEN_ACCESS', false, carol.accessKeyId]);

    assert.equal(ts.server.ctx.services.deviceMessaging.isConnected('dave-1'), true, 'still allowed');
    assert.deepEqual(await subscribe(onDave.client, ['users/dave/inbox']), [1]);
    await onDave.client.publishAsync('users/dave/inbox', 'still here', { qos: 1 });
    assert.equal((await onDave.box.next('users/dave/inbox')).payload, 'still here');
    await end(onDave.client);
    assert.equal((await events.next()).disconnectReason, 'CLIENT_INITIATED_DISCONNECT');
    await events.close();
    onCarol.client.end(true);
  });

  test('a client certificate on the TLS session of the device listener is accepted (Ferry extension), judged by its IoT policies', async () => {
    const iot = ts.iot();
    await createPolicy(iot, 'ws-cert', openPolicy(ts, { clients: 'ws-cert-*', topics: 'cert/*' }));
    const creds = await provisionThing(iot, 'ws-cert-1', 'ws-cert', { ec: true });
    const url = webSocketEndpoint(ts, 'device');
    const { client, box } = await connectWebSocket(ts, url, 'ws-cert-1', { cert: creds.certificatePem, key: creds.privateKeyPem });
    await subscribe(client, ['cert/a']);
    await client.publishAsync('cert/a', 'by certificate', { qos: 1 });
    assert.equal((await box.next('cert/a')).payload, 'by certificate');
    assert.deepEqual(await subscribe(client, ['app/a']), [128]);
    await end(client);
    await assert.rejects(connectWebSocket(ts, url, 'other-client', { cert: creds.certificatePem, key: creds.privateKeyPem }), /Not authorized/, 'iot:Connect by its policy');
  });

  test('credentials expiring close nothing; the connection ends after 24 hours on the clock with WEBSOCKET_TTL_EXPIRATION', async () => {
    const iot = ts.iot();
    await createPolicy(iot, 'ttl-watch', openPolicy(ts));
    const watcherCreds = await provisionThing(iot, 'ttl-watcher', 'ttl-watch', { ec: true });
    const watcher = await connect(ts, watcherCreds, 'ttl-watcher');
    const events: Array<Record<string, unknown>> = [];
    watcher.on('message', (_t, p) => events.push(JSON.parse(p.toString()) as Record<string, unknown>));
    await subscribe(watcher, ['$aws/events/presence/disconnected/app-ttl']);
    const { client, box } = await connectWebSocket(ts, sign('device', app), 'app-ttl');
    const gone = closed(client);
    await subscribe(client, ['app/ttl']);

    ts.clock.advance(60 * 60_000); // the role session's 900 s credentials have expired
    // An IAM write judges every signed connection again: an expired signer is not a reason to close.
    const iam = ts.iam();
    iam.config.systemClockOffset = ts.clock.now() - Date.now();
    await iam.send(new PutRolePolicyCommand({ RoleName: 'no-connect', PolicyName: 'touch', PolicyDocument: iamMqttPolicy(ts, { clients: 'none', topics: 'none', actions: ['iot:Connect'] }) }));
    assert.equal(client.connected, true, 'still connected after its credentials expired');
    await client.publishAsync('app/ttl', 'still here', { qos: 1 });
    assert.equal((await box.next('app/ttl')).payload, 'still here');

    ts.clock.advance(23 * 60 * 60_000);
    await gone;
    const event = await new Promise<Record<string, unknown>>((resolve) => {
      const poll = () => (events[0] ? resolve(events[0]) : setTimeout(poll, 20));
      poll();
    });
    assert.equal(event.disconnectReason, 'WEBSOCKET_TTL_EXPIRATION');
    await end(watcher);
  });
});
