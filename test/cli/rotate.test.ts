/**
 * `ferry thing create` over an existing certificate or kit is refused unless
 * --rotate; with --rotate the server keeps the old certificate ACTIVE until
 * the new one first connects (or the grace runs out), then deactivates and
 * detaches it; an agent running from the kit reconnects with the new one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeCertificateCommand, ListAttachedPoliciesCommand, ListThingPrincipalsCommand } from '@aws-sdk/client-iot';
import { agentOptionsFromKit, startAgent, type RunningAgent } from '../../src/agent/agent.js';
import { readKit } from '../../src/agent/kit.js';
import { CertificateCredentials } from '../../src/agent/credentials.js';
import { testLogger, type TestServer } from '../helpers/server.js';
import { fastSettings } from '../agent/helpers.js';
import { cli, withDevicePolicy } from './helpers.js';
import { connectWithKit } from './device.js';

const status = async (s: TestServer, certificateId: string) =>
  (await s.iot().send(new DescribeCertificateCommand({ certificateId }))).certificateDescription?.status;
const principals = async (s: TestServer, thingName: string) => (await s.iot().send(new ListThingPrincipalsCommand({ thingName }))).principals ?? [];

/** The statuses of the thing's certificates, attached or retired. */
async function statuses(s: TestServer, ids: string[]): Promise<string[]> {
  return Promise.all(ids.map(async (id) => (await status(s, id)) ?? '?'));
}

test('thing create over an existing thing or kit is refused, naming both and --rotate; nothing changes; beside a success', async (t) => {
  const { s, d, work, ok } = await withDevicePolicy();
  t.after(() => s.close());
  const kit = join(work, 'lobby-1-kit');
  const first = (await ok(['thing', 'create', 'lobby-1', '--kit', kit, '--policy', 'device', '--json'])).json();
  const kitBefore = readFileSync(join(kit, 'kit.json'), 'utf8');
  const filesBefore = readdirSync(kit).sort();

  const again = await cli(['thing', 'create', 'lobby-1', '--kit', kit, '--policy', 'device', ...d]);
  assert.equal(again.code, 2);
  assert.match(again.stderr, new RegExp(`thing lobby-1 already has certificate ${first.certificateId}`));
  assert.match(again.stderr, new RegExp(`${kit} already holds its connection kit`));
  assert.match(again.stderr, /nothing was changed\. Pass --rotate/);
  // Another folder: the thing's certificate alone is refused too.
  const elsewhere = await cli(['thing', 'create', 'lobby-1', '--kit', join(work, 'other'), ...d]);
  assert.equal(elsewhere.code, 2);
  assert.match(elsewhere.stderr, /already has certificate .* holds no kit: nothing was changed\. Pass --rotate/);
  // A kit of another thing is never overwritten, --rotate or not.
  for (const extra of [[], ['--rotate']]) {
    const foreign = await cli(['thing', 'create', 'lobby-2', '--kit', kit, ...extra, ...d]);
    assert.equal(foreign.code, 2);
    assert.match(foreign.stderr, /holds the connection kit of thing lobby-1, not lobby-2/);
  }
  const graceAlone = await cli(['thing', 'create', 'lobby-3', '--grace', '1h', ...d]);
  assert.equal(graceAlone.code, 2);
  assert.match(graceAlone.stderr, /--grace goes with --rotate/);

  // Nothing changed: one certificate, ACTIVE; the kit as it was; no thing lobby-2 or lobby-3.
  assert.deepEqual(await principals(s, 'lobby-1'), [first.certificateArn]);
  assert.equal(await status(s, first.certificateId), 'ACTIVE');
  assert.equal(readFileSync(join(kit, 'kit.json'), 'utf8'), kitBefore);
  assert.deepEqual(readdirSync(kit).sort(), filesBefore);
  const things = (await ok(['thing', 'list', '--json'])).json().map((x: { thingName: string }) => x.thingName);
  assert.deepEqual(things, ['lobby-1']);

  // Beside it, a new thing in a new folder is created.
  const fresh = (await ok(['thing', 'create', 'lobby-2', '--kit', join(work, 'lobby-2-kit'), '--json'])).json();
  assert.equal(fresh.thingName, 'lobby-2');
  assert.deepEqual(await principals(s, 'lobby-2'), [fresh.certificateArn]);
});

test('--rotate with an agent running from the kit: it reconnects with the new certificate; the old one is deactivated only after that and detached', async (t) => {
  const { s, work, ok } = await withDevicePolicy();
  const agents: RunningAgent[] = [];
  t.after(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await s.close();
  });
  const kit = join(work, 'lobby-1-kit');
  const first = (await ok(['thing', 'create', 'lobby-1', '--kit', kit, '--policy', 'device', '--json'])).json();
  const agent = await startAgent({ ...agentOptionsFromKit(readKit(kit), { dir: join(work, 'files') }), ...fastSettings, logger: testLogger() });
  agents.push(agent);
  await new Promise<void>((resolve) => (agent.connection!.online ? resolve() : agent.connection!.once('online', () => resolve())));

  // When the server deactivates the old certificate, the thing's connection already presents the new one.
  const registry = s.server.ctx.services.registry;
  let newId: string | undefined;
  const retired = new Promise<{ principalId: string | undefined; connected: boolean | undefined }>((resolve) => {
    const stop = registry.feed.on('certificate-status', async (e) => {
      if (e.certificateId !== first.certificateId || e.status !== 'INACTIVE') return;
      stop();
      const now = await s.server.ctx.services.connectivity.ofThing('lobby-1');
      resolve({ principalId: now?.principalId, connected: now?.connected });
    });
  });
  const reconnected = new Promise<void>((resolve) => agent.connection!.once('online', () => resolve()));

  const rotated = (await ok(['thing', 'create', 'lobby-1', '--kit', kit, '--rotate', '--json'])).json();
  newId = rotated.certificateId;
  assert.notEqual(newId, first.certificateId);
  assert.deepEqual(rotated.retiring.map((r: { certificateId: string }) => r.certificateId), [first.certificateId]);
  // The kit names the new pair; the old files are gone; the agent's reader accepts it.
  const config = JSON.parse(readFileSync(join(kit, 'kit.json'), 'utf8'));
  assert.equal(config.certificateFile, `certificate-${newId!.slice(0, 12)}.pem.crt`);
  assert.ok(!readdirSync(kit).includes('certificate.pem.crt') && !readdirSync(kit).includes('private.pem.key'));
  const issued = await s.iot().send(new DescribeCertificateCommand({ certificateId: newId! }));
  assert.equal(readKit(kit).certPem, issued.certificateDescription?.certificatePem);

  await reconnected;
  const atRetirement = await retired;
  assert.equal(atRetirement.principalId, newId, 'the new certificate had connected before the old one was deactivated');
  assert.equal(atRetirement.connected, true);
  await registry.rotations.settled();

  // Exactly one ACTIVE certificate remains, attached, with the old one's policy; the old one is detached.
  assert.deepEqual(await statuses(s, [first.certificateId, newId!]), ['INACTIVE', 'ACTIVE']);
  assert.deepEqual(await principals(s, 'lobby-1'), [rotated.certificateArn]);
  const policies = await s.iot().send(new ListAttachedPoliciesCommand({ target: rotated.certificateArn }));
  assert.deepEqual(policies.policies?.map((p) => p.policyName), ['device']);
  assert.equal(agent.connection!.online, true);
  assert.deepEqual((await registry.rotations.pendingFor('lobby-1')), []);
  const { principalId } = (await s.server.ctx.services.connectivity.ofThing('lobby-1'))!;
  assert.equal(principalId, newId);
});

test('--grace: the old certificate stays ACTIVE until the grace runs out by the clock, then is deactivated and detached though the new one never connected', async (t) => {
  const { s, d, work, ok } = await withDevicePolicy();
  t.after(() => s.close());
  const kit = join(work, 'lobby-1-kit');
  const first = (await ok(['thing', 'create', 'lobby-1', '--kit', kit, '--policy', 'device', '--json'])).json();
  const oldKit = join(work, 'old-kit');
  cpSync(kit, oldKit, { recursive: true });
  const badGrace = await cli(['thing', 'create', 'lobby-1', '--kit', kit, '--rotate', '--grace', 'soon', ...d]);
  assert.equal(badGrace.code, 2);
  assert.match(badGrace.stderr, /expected a duration such as 90s, 15m, 12h or 7d/);
  const before = s.clock.now();
  const rotated = (await ok(['thing', 'create', 'lobby-1', '--kit', kit, '--rotate', '--grace', '1h', '--json'])).json();
  const retireAt = rotated.retiring[0].retireAt * 1000;
  assert.ok(retireAt >= before + 3600_000 && retireAt <= s.clock.now() + 3600_000, 'retired an hour after the rotation at the latest');
  const pending = await cli(['thing', 'describe', 'lobby-1', '--json', ...d]);
  assert.equal(pending.json().retiring[0].certificateId, first.certificateId);

  // Both ACTIVE meanwhile; the old kit still connects, and its use retires nothing. (Once the clock
  // moves, requests signed by the real clock would be stale: the registry is asked directly.)
  const registry = s.server.ctx.services.registry;
  const tick = () => registry.rotations.tick();
  const states = async () => [(await registry.certificates.describe(first.certificateId)).status, (await registry.certificates.describe(rotated.certificateId)).status];
  const attached = async () => (await registry.principals.listForThing('lobby-1', {})).items.map((p) => p.principal);
  const device = await connectWithKit(oldKit);
  await device.endAsync();
  s.clock.advance(59 * 60_000);
  await tick();
  assert.deepEqual(await states(), ['ACTIVE', 'ACTIVE']);
  assert.equal((await attached()).length, 2);

  s.clock.advance(2 * 60_000);
  await tick();
  assert.deepEqual(await states(), ['INACTIVE', 'ACTIVE']);
  assert.deepEqual(await attached(), [rotated.certificateArn]);
  await assert.rejects(connectWithKit(oldKit));
  assert.deepEqual(await registry.rotations.pendingFor('lobby-1'), []);
});

test('--rotate: the new certificate\'s first credentials-provider exchange retires the old one', async (t) => {
  const { s, work, ok } = await withDevicePolicy();
  t.after(() => s.close());
  await ok(['role', 'create', 'kiosk-role', '--alias', 'kiosk-alias']);
  await ok(['policy', 'create', 'kiosk-device', '--device', '--role-alias', 'kiosk-alias']);
  const kit = join(work, 'kit');
  const first = (await ok(['thing', 'create', 'kiosk-1', '--kit', kit, '--policy', 'kiosk-device', '--role-alias', 'kiosk-alias', '--json'])).json();
  const rotated = (await ok(['thing', 'create', 'kiosk-1', '--kit', kit, '--rotate', '--json'])).json();
  const registry = s.server.ctx.services.registry;
  const exchange = (kitDir: string) => {
    const k = readKit(kitDir);
    return new CertificateCredentials({ endpoint: k.config.endpoints.credentialProvider!, roleAlias: k.config.roleAlias!, thingName: 'kiosk-1', certPem: k.certPem, keyPem: k.keyPem, ca: k.caPem }).get();
  };
  assert.equal(readKit(kit).config.roleAlias, 'kiosk-alias', 'the rewritten kit keeps its role alias');
  assert.match((await exchange(kit)).accessKeyId, /^ASIA/);
  await registry.rotations.settled();
  assert.deepEqual(await statuses(s, [first.certificateId, rotated.certificateId]), ['INACTIVE', 'ACTIVE']);
  assert.deepEqual(await principals(s, 'kiosk-1'), [rotated.certificateArn]);
});
