import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AttachThingPrincipalCommand,
  CreateKeysAndCertificateCommand,
  CreateThingCommand,
  DeleteThingCommand,
  DetachThingPrincipalCommand,
  ListPrincipalThingsCommand,
  ListPrincipalThingsV2Command,
  ListThingPrincipalsCommand,
  ListThingPrincipalsV2Command,
} from '@aws-sdk/client-iot';
import { startTestServer } from '../helpers/server.js';
import { rejectsWith } from './helpers.js';

test('thing principals: attach (x-amzn-principal), list both ways, exclusive attachments, detach, delete refusals', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const iot = s.iot();
  const feed: string[] = [];
  s.server.ctx.services.registry.feed.on('thing-principal', (e) => void feed.push(`${e.thingName}:${e.attached}`));

  const c1 = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  const c2 = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  for (const name of ['mixer', 'oven', 'fridge']) await iot.send(new CreateThingCommand({ thingName: name }));

  await iot.send(new AttachThingPrincipalCommand({ thingName: 'mixer', principal: c1.certificateArn! }));
  await iot.send(new AttachThingPrincipalCommand({ thingName: 'mixer', principal: c1.certificateArn! })); // idempotent
  await iot.send(new AttachThingPrincipalCommand({ thingName: 'oven', principal: c1.certificateArn! }));
  await iot.send(new AttachThingPrincipalCommand({ thingName: 'mixer', principal: c2.certificateArn! }));
  assert.deepEqual(feed, ['mixer:true', 'oven:true', 'mixer:true']);

  const ofMixer = await iot.send(new ListThingPrincipalsCommand({ thingName: 'mixer' }));
  assert.deepEqual(new Set(ofMixer.principals), new Set([c1.certificateArn, c2.certificateArn]));
  const paged = await iot.send(new ListThingPrincipalsCommand({ thingName: 'mixer', maxResults: 1 }));
  assert.equal(paged.principals!.length, 1);
  assert.ok(paged.nextToken);
  const ofC1 = await iot.send(new ListPrincipalThingsCommand({ principal: c1.certificateArn! }));
  assert.deepEqual(ofC1.things, ['mixer', 'oven']);
  const v2 = await iot.send(new ListPrincipalThingsV2Command({ principal: c1.certificateArn! }));
  assert.deepEqual(v2.principalThingObjects, [
    { thingName: 'mixer', thingPrincipalType: 'NON_EXCLUSIVE_THING' },
    { thingName: 'oven', thingPrincipalType: 'NON_EXCLUSIVE_THING' },
  ]);
  await rejectsWith(iot.send(new ListThingPrincipalsCommand({ thingName: 'ghost' })), 'ResourceNotFoundException', 404);
  await rejectsWith(iot.send(new AttachThingPrincipalCommand({ thingName: 'ghost', principal: c1.certificateArn! })), 'ResourceNotFoundException', 404);
  await rejectsWith(iot.send(new AttachThingPrincipalCommand({ thingName: 'mixer', principal: c1.certificateArn!.replace(/cert\/.*/, `cert/${'1'.repeat(64)}`) })), 'ResourceNotFoundException', 404);
  await rejectsWith(iot.send(new AttachThingPrincipalCommand({ thingName: 'mixer', principal: 'arn:aws:iam::123456789012:user/bob' })), 'InvalidRequestException', 400);

  // An exclusive attachment is the certificate's only thing.
  await rejectsWith(iot.send(new AttachThingPrincipalCommand({ thingName: 'fridge', principal: c1.certificateArn!, thingPrincipalType: 'EXCLUSIVE_THING' })), 'InvalidRequestException', 400);
  const c3 = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  await iot.send(new AttachThingPrincipalCommand({ thingName: 'fridge', principal: c3.certificateArn!, thingPrincipalType: 'EXCLUSIVE_THING' }));
  await rejectsWith(iot.send(new AttachThingPrincipalCommand({ thingName: 'oven', principal: c3.certificateArn! })), 'InvalidRequestException', 400);
  const fridge = await iot.send(new ListThingPrincipalsV2Command({ thingName: 'fridge' }));
  assert.deepEqual(fridge.thingPrincipalObjects, [{ principal: c3.certificateArn, thingPrincipalType: 'EXCLUSIVE_THING' }]);

  // aws-wire-protocols.md §3.3 (MOTO, as AWS words it): a thing with principals is not deleted.
  await rejectsWith(iot.send(new DeleteThingCommand({ thingName: 'oven' })), 'InvalidRequestException', 400);
  await iot.send(new DetachThingPrincipalCommand({ thingName: 'oven', principal: c1.certificateArn! }));
  await iot.send(new DetachThingPrincipalCommand({ thingName: 'oven', principal: c1.certificateArn! })); // not attached: fine
  assert.deepEqual(feed.slice(-1), ['oven:false']);
  await iot.send(new DeleteThingCommand({ thingName: 'oven' }));
  assert.deepEqual((await iot.send(new ListPrincipalThingsCommand({ principal: c1.certificateArn! }))).things, ['mixer']);
});
