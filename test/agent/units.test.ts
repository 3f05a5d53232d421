/** The agent's pure parts: paths, checksums, progress rate, back-off, statusDetails, kit, flags, reporter, journal, hooks. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Backoff } from '../../src/agent/backoff.js';
import { checksumOf } from '../../src/agent/checksum.js';
import { documentOf } from '../../src/agent/job-loop.js';
import { JobsRejected, type JobsClient } from '../../src/agent/jobs-client.js';
import { OutcomeJournal } from '../../src/agent/journal.js';
import { checkKitConfig, mqttUrlOf, readKit, writeKit, KIT_DEFAULT_FILES } from '../../src/agent/kit.js';
import { Hooks, parseHookFlag } from '../../src/agent/hooks.js';
import { cleanDetails, isJobError, outcomeDetails, type JobError } from '../../src/agent/outcome.js';
import { realDir, resolveInside } from '../../src/agent/paths.js';
import { ExecutionReporter, progressDue } from '../../src/agent/reporter.js';
import { agentOptionsFromFlags } from '../../src/cli/agent-command.js';
import { removeScratch, scratch } from './helpers.js';

function thrown(f: () => unknown): JobError {
  try {
    f();
  } catch (e) {
    if (isJobError(e)) return e;
    throw e;
  }
  assert.fail('expected a JobError');
}

test('destinations: inside --dir is allowed; `..`, absolute paths outside, symbolic links out, the folder itself and the state folder are refused', () => {
  const dir = realDir(scratch());
  const outside = realDir(scratch());
  mkdirSync(join(dir, 'sub'));
  symlinkSync(outside, join(dir, 'out'));
  symlinkSync(join(dir, 'sub'), join(dir, 'in'));
  assert.equal(resolveInside(dir, 'a.bin'), join(dir, 'a.bin'));
  assert.equal(resolveInside(dir, 'x/y/a.bin'), join(dir, 'x/y/a.bin'));
  assert.equal(resolveInside(dir, join(dir, 'sub/a.bin')), join(dir, 'sub/a.bin'));
  assert.equal(resolveInside(dir, 'sub/../a.bin'), join(dir, 'a.bin'));
  assert.equal(resolveInside(dir, 'in/a.bin'), join(dir, 'sub/a.bin'), 'a link that stays inside resolves to its target');
  for (const bad of ['../a.bin', 'sub/../../a.bin', join(outside, 'a.bin'), '/etc/passwd', 'out/a.bin', 'out/deeper/a.bin', '.', dir, '.ferry-agent/x', '', 'a\0b']) {
    const e = thrown(() => resolveInside(dir, bad));
    assert.equal(e.status, 'REJECTED', bad);
    assert.equal(e.reason, 'destination-outside-dir', bad);
  }
  assert.equal(thrown(() => resolveInside(dir, '/etc/passwd', 'file')).reason, 'file-outside-dir');
});

test('checksums: the SDK sample shape, algorithm:value, bare hex, sha256 fields, base64; weak or malformed ones are refused', () => {
  const hex = 'ab'.repeat(32);
  const b64 = Buffer.from(hex, 'hex').toString('base64');
  assert.deepEqual(checksumOf({ checksum: { inline: { value: hex.toUpperCase() }, hashAlgorithm: 'SHA256' } }), { algorithm: 'sha256', value: hex });
  assert.deepEqual(checksumOf({ checksum: `sha-512:${'cd'.repeat(64)}` }), { algorithm: 'sha512', value: 'cd'.repeat(64) });
  assert.deepEqual(checksumOf({ checksum: hex }), { algorithm: 'sha256', value: hex });
  assert.deepEqual(checksumOf({ sha256: b64 }), { algorithm: 'sha256', value: hex });
  assert.deepEqual(checksumOf({ checksum: { algorithm: 'SHA384', value: 'ef'.repeat(48) } }), { algorithm: 'sha384', value: 'ef'.repeat(48) });
  assert.equal(checksumOf({ url: 'x' }), undefined);
  assert.equal(thrown(() => checksumOf({ checksum: { hashAlgorithm: 'MD5', inline: { value: 'ab'.repeat(16) } } })).reason, 'unsupported-checksum');
  assert.equal(thrown(() => checksumOf({ sha256: 'abc' })).reason, 'invalid-checksum');
  assert.equal(thrown(() => checksumOf({ checksum: 42 })).reason, 'invalid-checksum');
});

test('progress rate: the first report, every 10 %, the end and the interval — never more often than the minimum', () => {
  const rate = { intervalMs: 30_000, percentStep: 10, minIntervalMs: 1000 };
  assert.equal(progressDue(undefined, 0, undefined, rate), true);
  assert.equal(progressDue({ atMs: 0 }, 2000, 3, rate), true, 'the first percentage of a phase');
  assert.equal(progressDue({ atMs: 0, percent: 3 }, 2000, 12, rate), false);
  assert.equal(progressDue({ atMs: 0, percent: 3 }, 2000, 13, rate), true);
  assert.equal(progressDue({ atMs: 0, percent: 3 }, 500, 50, rate), false, 'not within the minimum interval');
  assert.equal(progressDue({ atMs: 0, percent: 95 }, 2000, 100, rate), true, 'the end');
  assert.equal(progressDue({ atMs: 0, percent: 3 }, 30_000, 4, rate), true, 'the interval');
  assert.equal(progressDue({ atMs: 0 }, 29_999, undefined, rate), false);
});

test('back-off: full jitter under a doubling cap, capped, reset after a success', () => {
  const top = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0.999999 });
  assert.deepEqual([top.next(), top.next(), top.next(), top.next(), top.next(), top.next()], [99, 199, 399, 799, 999, 999]);
  top.reset();
  assert.equal(top.next(), 99);
  const bottom = new Backoff({ random: () => 0 });
  assert.equal(bottom.next(), 0);
});

test('statusDetails: reason and message first, ten pairs at most, clean values of at most 1,024 characters, valid keys only', () => {
  const many = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`k${i}`, `v${i}`]));
  const out = outcomeDetails({ status: 'FAILED', reason: 'hook-failed', message: `line1\nline2\u0000${'x'.repeat(2000)}end`, details: { 'bad key': 'x', ...many } });
  assert.equal(Object.keys(out).length, 10);
  assert.deepEqual(Object.keys(out).slice(0, 2), ['reason', 'message']);
  assert.equal(out.message!.length, 1024);
  assert.ok(out.message!.endsWith('xend') && out.message!.startsWith('…'));
  assert.equal(out['bad key'], undefined);
  assert.equal(cleanDetails({ a: 'line1\nline2\ttab' }).a, 'line1 line2 tab');
  assert.equal(cleanDetails({ a: '\n' }).a, '-', 'a value is never empty');
});

test('kit: written and read back; a bad kit.json says what is wrong; MQTT endpoints as URL or host[:port]', () => {
  const dir = join(scratch(), 'kit');
  const config = { kitVersion: 1 as const, thingName: 'miso_1', region: 'us-east-1', endpoints: { mqtt: 'mqtts://h:8883' }, ...KIT_DEFAULT_FILES };
  writeKit(dir, { config, certPem: 'CERT', keyPem: 'KEY', caPem: 'CA', publicKeyPem: 'PUB' });
  const kit = readKit(dir);
  assert.deepEqual([kit.certPem, kit.keyPem, kit.caPem, kit.config.thingName], ['CERT', 'KEY', 'CA', 'miso_1']);
  assert.equal(statSync(join(dir, KIT_DEFAULT_FILES.privateKeyFile)).mode & 0o777, 0o600);
  assert.throws(() => checkKitConfig({ kitVersion: 2, thingName: 'x', endpoints: { mqtt: 'm' } }), /kitVersion must be 1/);
  assert.throws(() => checkKitConfig({ kitVersion: 1, thingName: 'bad name', endpoints: { mqtt: 'm' } }), /thingName/);
  assert.throws(() => checkKitConfig({ kitVersion: 1, thingName: 'x', endpoints: {} }), /endpoints\.mqtt is required/);
  assert.throws(() => readKit(scratch()), /cannot read the kit's .*kit\.json/);
  assert.equal(mqttUrlOf('mqtts://h:1'), 'mqtts://h:1');
  assert.equal(mqttUrlOf('iot.example.com'), 'mqtts://iot.example.com:8883');
  assert.equal(mqttUrlOf('127.0.0.1:1883'), 'mqtts://127.0.0.1:1883');
  assert.throws(() => mqttUrlOf('https://h'), /mqtts:\/\//);

  // `ferry agent`: a kit with flags overriding it; without a kit every connection flag is needed.
  const fromKit = agentOptionsFromFlags({ kit: dir, dir: '/tmp/x', hook: [], logLevel: 'info', roleAlias: 'other' });
  assert.equal(fromKit.thingName, 'miso_1');
  assert.equal(fromKit.mqttEndpoint, 'mqtts://h:8883');
  assert.equal(fromKit.roleAlias, 'other');
  assert.throws(() => agentOptionsFromFlags({ dir: '/tmp/x', hook: [], logLevel: 'info', endpoint: 'h' }), /missing: --cert, --key, --ca, --thing/);

  // The Jobs HTTPS transport: the poll interval from the kit (pollIntervalSec), a flag overriding it, never under 5 s.
  const httpsDir = join(scratch(), 'https-kit');
  const httpsConfig = { ...config, thingName: 'miso_2', transport: 'https' as const, pollIntervalSec: 30, endpoints: { mqtt: 'mqtts://h:8883', iotJobsData: 'https://h:8443' } };
  writeKit(httpsDir, { config: httpsConfig, certPem: 'CERT', keyPem: 'KEY', caPem: 'CA' });
  const polled = agentOptionsFromFlags({ kit: httpsDir, dir: '/tmp/x', hook: [], logLevel: 'info' });
  assert.deepEqual([polled.transport, polled.jobsEndpoint, polled.pollIntervalMs], ['https', 'https://h:8443', 30_000]);
  assert.equal(agentOptionsFromFlags({ kit: httpsDir, dir: '/tmp/x', hook: [], logLevel: 'info', pollInterval: 10 }).pollIntervalMs, 10_000);
  assert.throws(() => checkKitConfig({ ...httpsConfig, pollIntervalSec: 4 }), /pollIntervalSec must be a number of seconds, at least 5/);
  assert.throws(() => checkKitConfig({ ...httpsConfig, pollIntervalSec: '30' }), /pollIntervalSec/);
});

test('reporter: each update restarts the step timer; a heartbeat keeps it alive while a step is quiet; an ended execution aborts the job', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const sent: Array<Record<string, unknown>> = [];
  let refuse = false;
  const jobs = {
    update: async (_jobId: string, req: Record<string, unknown>) => {
      sent.push(req);
      if (refuse) throw new JobsRejected('InvalidStateTransition', 'terminal', { status: 'CANCELED' });
      return {};
    },
  } as unknown as JobsClient;
  let gone = '';
  const reporter = new ExecutionReporter(jobs, { jobId: 'j', status: 'IN_PROGRESS', executionNumber: 3 }, { stepTimeoutMinutes: 6, clock: { now: () => 0 } }, (why) => (gone = why));
  reporter.progress({ step: 'downloading' }, { force: true });
  await Promise.resolve();
  assert.deepEqual(sent, [{ status: 'IN_PROGRESS', statusDetails: { step: 'downloading' }, stepTimeoutInMinutes: 6, executionNumber: 3 }]);
  await new Promise((r) => setImmediate(r));
  t.mock.timers.tick(2 * 60_000 - 1);
  assert.equal(sent.length, 1);
  t.mock.timers.tick(1);
  assert.equal(sent.length, 2, 'a heartbeat after a third of the step timeout');
  refuse = true;
  await new Promise((r) => setImmediate(r));
  t.mock.timers.tick(2 * 60_000);
  await new Promise((r) => setImmediate(r));
  assert.equal(gone, 'the execution is CANCELED');
  t.mock.timers.tick(10 * 60_000);
  assert.equal(sent.length, 3, 'nothing more once the execution has ended');
});

test('journal: an outcome kept until reported; the running execution noted so a restart knows it resumes', () => {
  const dir = realDir(scratch());
  const journal = new OutcomeJournal(dir);
  assert.equal(journal.start('job-1', 1), false);
  assert.equal(new OutcomeJournal(dir).start('job-1', 1), true, 'after a restart');
  journal.write('job-1', 1, { status: 'FAILED', reason: 'r', message: 'm' });
  assert.deepEqual(new OutcomeJournal(dir).read('job-1', 1), { status: 'FAILED', reason: 'r', message: 'm' });
  journal.remove('job-1', 1);
  assert.equal(journal.read('job-1', 1), undefined);
  assert.equal(journal.running(), undefined);
});

test('documents and hooks: JSON strings parsed, arrays refused; hook flags parsed and checked at start-up', () => {
  assert.deepEqual(documentOf('{"operation":"download"}'), { operation: 'download' });
  assert.equal(documentOf('[1]'), undefined);
  assert.equal(documentOf('nope'), undefined);
  const bin = scratch();
  const script = join(bin, 'apply.sh');
  writeFileSync(script, '#!/bin/sh\n');
  assert.deepEqual(parseHookFlag(`apply=${script}`), { name: 'apply', path: script });
  assert.deepEqual(parseHookFlag(script), { name: 'apply.sh', path: script });
  assert.throws(() => parseHookFlag('bad name=/x'), /hook name/);
  assert.throws(() => new Hooks([{ name: 'apply', path: script }]), /hook apply: .* is not executable/);
  chmodSync(script, 0o755);
  assert.deepEqual(new Hooks([{ name: 'apply', path: script }]).names, ['apply']);
  assert.throws(() => new Hooks([{ name: 'x', path: join(bin, 'missing') }]), /is not a file/);
});

after(() => removeScratch());
