import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AttachThingPrincipalCommand,
  CreateKeysAndCertificateCommand,
  CreateThingCommand,
  CreateThingTypeCommand,
  RegisterCertificateWithoutCACommand,
} from '@aws-sdk/client-iot';
import { startTestServer } from '../helpers/server.js';
import { makeDeviceCert } from './helpers.js';

test('resolveDeviceIdentity: which thing names the connection, its variables, and every refusal', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const iot = s.iot();
  const registry = s.server.ctx.services.registry;

  await iot.send(new CreateThingTypeCommand({ thingTypeName: 'Mixer' }));
  await iot.send(new CreateThingCommand({ thingName: 'mixer-1', thingTypeName: 'Mixer', attributePayload: { attributes: { line: 'a', bowl: '5L' } } }));
  await iot.send(new CreateThingCommand({ thingName: 'mixer-2' }));
  const shared = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  await iot.send(new AttachThingPrincipalCommand({ thingName: 'mixer-1', principal: shared.certificateArn! }));
  await iot.send(new AttachThingPrincipalCommand({ thingName: 'mixer-2', principal: shared.certificateArn! }));

  // Non-exclusive: the client id must be the thing name (DG thing-policy-variables.md).
  const one = await registry.resolveDeviceIdentity(shared.certificatePem!, { clientId: 'mixer-1' });
  assert.ok(one.ok);
  // Attributes are a prototype-less map (issue 24); compared as a plain one.
  assert.deepEqual({ ...one.thing, attributes: { ...one.thing?.attributes } }, { name: 'mixer-1', arn: `arn:aws:iot:${s.endpoints.region}:${s.endpoints.accountId}:thing/mixer-1`, typeName: 'Mixer', attributes: { bowl: '5L', line: 'a' } });
  assert.equal(one.variables['iot:ClientId'], 'mixer-1');
  assert.equal(one.variables['iot:Connection.Thing.ThingName'], 'mixer-1');
  assert.equal(one.variables['iot:Connection.Thing.ThingTypeName'], 'Mixer');
  assert.equal(one.variables['iot:Connection.Thing.Attributes[bowl]'], '5L');
  assert.equal(one.variables['iot:Certificate.Subject.CommonName'], 'AWS IoT Certificate');
  const two = await registry.resolveDeviceIdentity(shared.certificateId!, { clientId: 'mixer-2' });
  assert.ok(two.ok);
  assert.equal(two.thing?.name, 'mixer-2');
  assert.equal(two.variables['iot:Connection.Thing.ThingTypeName'], undefined);
  const none = await registry.resolveDeviceIdentity(shared.certificateId!, { clientId: 'stranger' });
  assert.ok(none.ok);
  assert.equal(none.thing, undefined);

  // The credentials provider names the thing explicitly; it must be attached.
  const named = await registry.resolveDeviceIdentity(shared.certificateId!, { thingName: 'mixer-2' });
  assert.ok(named.ok);
  assert.equal(named.thing?.name, 'mixer-2');
  const notAttached = await registry.resolveDeviceIdentity(shared.certificateId!, { thingName: 'ghost' });
  assert.deepEqual([notAttached.ok, !notAttached.ok && notAttached.reason], [false, 'thing-not-attached']);

  // Exclusive: the thing is known whatever the client id.
  const own = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  await iot.send(new CreateThingCommand({ thingName: 'oven' }));
  await iot.send(new AttachThingPrincipalCommand({ thingName: 'oven', principal: own.certificateArn!, thingPrincipalType: 'EXCLUSIVE_THING' }));
  const exclusive = await registry.resolveDeviceIdentity(own.certificatePem!, { clientId: 'anything' });
  assert.ok(exclusive.ok);
  assert.equal(exclusive.thing?.name, 'oven');

  const unknown = await registry.resolveDeviceIdentity('ab'.repeat(32));
  assert.deepEqual([unknown.ok, !unknown.ok && unknown.reason], [false, 'unknown-certificate']);
  const garbage = await registry.resolveDeviceIdentity('-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n');
  assert.deepEqual([garbage.ok, !garbage.ok && garbage.reason], [false, 'invalid-certificate']);
  const unregistered = await makeDeviceCert('stray', s.clock.now());
  const stray = await registry.resolveDeviceIdentity(unregistered.pem);
  assert.deepEqual([stray.ok, !stray.ok && stray.reason], [false, 'unknown-certificate']);
  const inactive = await iot.send(new CreateKeysAndCertificateCommand({}));
  const off = await registry.resolveDeviceIdentity(inactive.certificateId!);
  assert.deepEqual([off.ok, !off.ok && off.reason], [false, 'certificate-not-active']);

  // Validity is judged by the server clock (tests move it instead of sleeping).
  const shortLived = await makeDeviceCert('short', s.clock.now(), undefined, { notBefore: s.clock.now() - 60_000, notAfter: s.clock.now() + 3600_000 });
  await iot.send(new RegisterCertificateWithoutCACommand({ certificatePem: shortLived.pem, status: 'ACTIVE' }));
  assert.equal((await registry.resolveDeviceIdentity(shortLived.pem)).ok, true);
  s.clock.advance(2 * 3600_000);
  const expired = await registry.resolveDeviceIdentity(shortLived.pem);
  assert.deepEqual([expired.ok, !expired.ok && expired.reason], [false, 'certificate-expired']);
});
