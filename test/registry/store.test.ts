import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateKeysAndCertificateCommand, CreatePolicyCommand, CreateThingCommand, ListThingsCommand, AttachPolicyCommand, ListAttachedPoliciesCommand } from '@aws-sdk/client-iot';
import { AdjustableClock } from '../../src/clock.js';
import { isFerryError } from '../../src/errors.js';
import { engines, openTestStore } from '../helpers/stores.js';
import { pgSkipReason } from '../helpers/postgres.js';
import { startTestServer } from '../helpers/server.js';
import { makeDeviceCert, storyPolicy, testRegistry } from './helpers.js';

async function expectKind(promise: Promise<unknown>, kind: string, reason?: string): Promise<void> {
  await assert.rejects(promise, (e: unknown) => isFerryError(e) && e.kind === kind && (reason === undefined || e.details.reason === reason));
}

for (const { engine, skip } of engines()) {
  test(`registry store on ${engine}: queries, keyset paging, unique violations, locks, identity`, { skip }, async (t) => {
    const { store, dispose } = await openTestStore(engine);
    t.after(dispose);
    const clock = new AdjustableClock();
    const registry = await testRegistry(store, clock);

    // Things: concurrent identical creates agree; attribute filters (exact, prefix via substr) and paging.
    const [a, b] = await Promise.all([registry.things.create({ name: 't-1', attributes: { sn: 'AB-1' } }), registry.things.create({ name: 't-1', attributes: { sn: 'AB-1' } })]);
    assert.equal(a.id, b.id);
    await registry.things.create({ name: 't-2', attributes: { sn: 'AB-2' } });
    await registry.things.create({ name: 't-3', attributes: { sn: 'CD-3' } });
    await expectKind(registry.things.create({ name: 't-1', attributes: { sn: 'other' } }), 'AlreadyExists');
    const prefixed = await registry.things.list({ attributeName: 'sn', attributeValue: 'AB', usePrefixAttributeValue: true });
    assert.deepEqual(prefixed.items.map((th) => th.name), ['t-1', 't-2']);
    const first = await registry.things.list({ limit: 2 });
    const second = await registry.things.list({ limit: 2, token: first.next });
    assert.deepEqual([...first.items, ...second.items].map((th) => th.name), ['t-1', 't-2', 't-3']);
    assert.equal(second.next, undefined);

    // Groups: hierarchy and membership limits.
    await registry.thingGroups.create('root', {});
    await registry.thingGroups.create('leaf', { parentName: 'root' });
    await registry.thingGroups.addThing({ groupName: 'leaf', thingName: 't-1' });
    await expectKind(registry.thingGroups.addThing({ groupName: 'root', thingName: 't-1' }), 'InvalidInput');
    assert.deepEqual((await registry.thingGroups.listThings('root', { recursive: true })).items, ['t-1']);

    // Certificates: issued, registered without CA, duplicates, keyset paging by creation date.
    const issued = await registry.certificates.createKeysAndCertificate(true);
    clock.advance(10);
    const device = await makeDeviceCert('t-2', clock.now());
    const registered = await registry.certificates.registerWithoutCa({ certificatePem: device.pem, status: 'ACTIVE' });
    await expectKind(registry.certificates.registerWithoutCa({ certificatePem: device.pem }), 'AlreadyExists');
    const p1 = await registry.certificates.list({ limit: 1, ascending: true });
    const p2 = await registry.certificates.list({ limit: 1, ascending: true, token: p1.next });
    assert.deepEqual([p1.items[0]?.id, p2.items[0]?.id], [issued.certificate.id, registered.id]);

    // Policies: duplicates, the version limit under a row lock, attachments, tags upsert.
    await registry.policies.create('story', storyPolicy('eu-west-1', '123456789012'), [{ key: 'k', value: '1' }]);
    await expectKind(registry.policies.create('story', storyPolicy('eu-west-1', '123456789012')), 'AlreadyExists');
    const doc = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*' }] });
    const results = await Promise.allSettled([1, 2, 3, 4, 5, 6].map(() => registry.policies.createVersion('story', doc, false)));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 4);
    assert.equal((await registry.policies.listVersions('story')).length, 5);
    await registry.tags.tag(registry.arns.policy('story'), [{ key: 'k', value: '2' }]);
    assert.deepEqual((await registry.tags.list(registry.arns.policy('story'))).items, [{ key: 'k', value: '2' }]);
    await registry.policyTargets.attach('story', issued.certificate.arn);
    await registry.principals.attach('t-1', issued.certificate.arn);

    const identity = await registry.resolveDeviceIdentity(issued.certificate.pem, { clientId: 't-1' });
    assert.ok(identity.ok);
    assert.equal(identity.thing?.name, 't-1');
    assert.deepEqual(identity.documents.map((d) => d.policyName), ['story']);
  });
}

test('the IoT API on a PostgreSQL-backed server', { skip: pgSkipReason() }, async (t) => {
  const s = await startTestServer({ engine: 'postgres' });
  t.after(() => s.close());
  const iot = s.iot();
  await iot.send(new CreateThingCommand({ thingName: 'pg-thing', attributePayload: { attributes: { a: '1' } } }));
  assert.deepEqual((await iot.send(new ListThingsCommand({ attributeName: 'a', attributeValue: '1' }))).things!.map((th) => th.thingName), ['pg-thing']);
  const cert = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  await iot.send(new CreatePolicyCommand({ policyName: 'story', policyDocument: storyPolicy(s.endpoints.region, s.endpoints.accountId) }));
  await iot.send(new AttachPolicyCommand({ policyName: 'story', target: cert.certificateArn! }));
  assert.deepEqual((await iot.send(new ListAttachedPoliciesCommand({ target: cert.certificateArn! }))).policies!.map((p) => p.policyName), ['story']);
});
