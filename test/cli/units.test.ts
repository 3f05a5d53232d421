import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIni } from '../../src/cli/ini.js';
import { parseS3Url, s3ObjectUrl, targetArn } from '../../src/cli/arns.js';
import { progressOf, type WatchSnapshot } from '../../src/cli/ops/watch.js';
import { JobView, renderSnapshot } from '../../src/cli/job-view.js';
import { ProgressBar, formatBytes } from '../../src/cli/progress.js';
import { describeError } from '../../src/cli/output.js';
import { UsageError } from '../../src/cli/io.js';
import { trustPolicy, s3AccessPolicy } from '../../src/cli/ops/roles.js';
import { devicePolicy } from '../../src/cli/ops/policies.js';

class Sink {
  text = '';
  constructor(public isTTY = false) {}
  write(s: string) {
    this.text += s;
  }
}

test('parseIni reads profiles and the nested services section Ferry writes', () => {
  const ini = parseIni(
    '[profile ferry]\nregion = us-east-1\nservices = ferry-services\ns3 =\n  addressing_style = path\n\n# comment\n[services ferry-services]\niot =\n  endpoint_url = https://127.0.0.1:1\ns3 =\n  endpoint_url = https://127.0.0.1:2\n',
  );
  assert.equal(ini.get('profile ferry')?.get('region'), 'us-east-1');
  assert.equal(ini.get('profile ferry')?.get('s3.addressing_style'), 'path');
  assert.equal(ini.get('services ferry-services')?.get('iot.endpoint_url'), 'https://127.0.0.1:1');
  assert.equal(ini.get('services ferry-services')?.get('s3.endpoint_url'), 'https://127.0.0.1:2');
});

test('targets, s3 URLs and ARNs as an operator types them', () => {
  assert.equal(targetArn('r', '1', 'miso_1'), 'arn:aws:iot:r:1:thing/miso_1');
  assert.equal(targetArn('r', '1', 'thing-group:lobby'), 'arn:aws:iot:r:1:thinggroup/lobby');
  assert.equal(targetArn('r', '1', 'group:lobby'), 'arn:aws:iot:r:1:thinggroup/lobby', 'group: is an alias');
  assert.equal(targetArn('r', '1', 'arn:aws:iot:r:1:thing/x'), 'arn:aws:iot:r:1:thing/x');
  assert.throws(() => targetArn('r', '1', 'bad name'), UsageError);
  assert.deepEqual(parseS3Url('s3://b/a/k.bin'), { bucket: 'b', key: 'a/k.bin' });
  assert.deepEqual(parseS3Url('s3://b'), { bucket: 'b', key: '' });
  assert.equal(parseS3Url('/tmp/x'), undefined);
  assert.equal(s3ObjectUrl('b', 'dir/a b.bin'), 'https://s3.amazonaws.com/b/dir/a%20b.bin');
});

test('documents the verbs generate', () => {
  assert.deepEqual(JSON.parse(trustPolicy(['iot'])).Statement[0].Principal, { Service: 'iot.amazonaws.com' });
  const s3 = JSON.parse(s3AccessPolicy(['fw'], ['logs/devices']));
  assert.deepEqual(s3.Statement.map((x: { Resource: string[] }) => x.Resource), [['arn:aws:s3:::fw/*'], ['arn:aws:s3:::fw'], ['arn:aws:s3:::logs/devices/*']]);
  const device = JSON.parse(devicePolicy('r', '1'));
  assert.equal(device.Statement.length, 5, 'no role alias, no AssumeRoleWithCertificate');
  assert.equal(device.Statement[0].Resource, 'arn:aws:iot:r:1:client/${iot:Connection.Thing.ThingName}');
});

test('progress from statusDetails', () => {
  assert.equal(progressOf({ percent: '42' }), 0.42);
  assert.equal(progressOf({ progress: '50%' }), 0.5);
  assert.equal(progressOf({ bytes: '25', totalBytes: '100' }), 0.25);
  assert.equal(progressOf({ step: 'downloading' }), undefined);
});

function snapshot(status: string, executions: Array<[string, string, Record<string, string>]>): WatchSnapshot {
  const count = (s: string) => executions.filter((e) => e[1] === s).length;
  return {
    jobId: 'j1',
    job: { status: status as 'IN_PROGRESS' },
    counters: { queued: count('QUEUED'), inProgress: count('IN_PROGRESS'), succeeded: count('SUCCEEDED'), failed: count('FAILED'), rejected: 0, timedOut: 0, canceled: 0, removed: 0 },
    executions: executions.map(([thingName, s, details]) => ({ thingName, status: s, details, progress: progressOf(details) })),
    finished: status === 'COMPLETED',
    timeline: [],
    newEvents: [],
  };
}

test('the job view of a continuous job marks the things that joined after it started', () => {
  const plain = new Sink();
  const view = new JobView(plain);
  const continuous = (executions: Array<[string, string, Record<string, string>]>) => {
    const s = snapshot('IN_PROGRESS', executions);
    return { ...s, job: { ...s.job, targetSelection: 'CONTINUOUS' as const } };
  };
  view.show(continuous([['a', 'QUEUED', {}]]));
  view.show(continuous([['a', 'QUEUED', {}], ['late', 'QUEUED', {}]]));
  assert.match(plain.text, /^  a QUEUED\n/m);
  assert.match(plain.text, /^  late QUEUED \(joined\)\n/m);
});

test('the job view: plain lines on change off a terminal, a redrawn block on one', () => {
  const plain = new Sink();
  const view = new JobView(plain);
  view.show(snapshot('IN_PROGRESS', [['a', 'QUEUED', {}], ['b', 'QUEUED', {}]]));
  view.show(snapshot('IN_PROGRESS', [['a', 'QUEUED', {}], ['b', 'QUEUED', {}]]));
  view.show(snapshot('IN_PROGRESS', [['a', 'IN_PROGRESS', { percent: '60' }], ['b', 'QUEUED', {}]]));
  view.show(snapshot('COMPLETED', [['a', 'SUCCEEDED', {}], ['b', 'FAILED', { reason: 'checksum-mismatch', message: 'bad bytes' }]]));
  assert.equal(
    plain.text,
    [
      'job j1 IN_PROGRESS: 0/2 finished (queued 2  in progress 0  succeeded 0  failed 0  rejected 0  timed out 0  canceled 0  removed 0)',
      '  a QUEUED',
      '  b QUEUED',
      'job j1 IN_PROGRESS: 0/2 finished (queued 1  in progress 1  succeeded 0  failed 0  rejected 0  timed out 0  canceled 0  removed 0)',
      '  a IN_PROGRESS 50%',
      'job j1 COMPLETED: 2/2 finished (queued 0  in progress 0  succeeded 1  failed 1  rejected 0  timed out 0  canceled 0  removed 0)',
      '  a SUCCEEDED',
      '  b FAILED (checksum-mismatch: bad bytes)',
      '',
    ].join('\n'),
  );
  const tty = new Sink(true);
  const live = new JobView(tty);
  live.show(snapshot('IN_PROGRESS', [['a', 'IN_PROGRESS', { percent: '60' }]]));
  live.show(snapshot('IN_PROGRESS', [['a', 'IN_PROGRESS', { percent: '70' }]]));
  assert.match(tty.text, /\x1b\[3A\x1b\[J/, 'the second frame moves up over the first');
  assert.match(renderSnapshot(snapshot('IN_PROGRESS', [['a', 'IN_PROGRESS', { percent: '70' }]]))[2]!, /^ {2}a {2}IN_PROGRESS {1}\[#{14}-{6}\] {2}70%$/);
});

test('progress bars and error lines', () => {
  const out = new Sink();
  const bar = new ProgressBar(out, 'up', 100);
  for (let i = 0; i <= 100; i += 10) bar.update(i);
  bar.finish();
  const lines = out.text.trimEnd().split('\n');
  assert.deepEqual(lines.slice(0, 3).map((l) => /(\d+)%/.exec(l)?.[1]), ['30', '50', '80']);
  assert.match(lines[3]!, /^up \[#+\] 100% 100 B in /);
  assert.equal(formatBytes(1536), '1.5 KiB');

  assert.deepEqual(describeError(new UsageError('bad')), { line: 'bad', code: 2 });
  const sdk = Object.assign(new Error('Thing x does not exist'), { name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 404 } });
  assert.deepEqual(describeError(sdk), { line: 'ResourceNotFoundException: Thing x does not exist', code: 1 });
  const head = Object.assign(new Error('NotFound'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } });
  assert.deepEqual(describeError(head), { line: 'NotFound', code: 1 });
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
  assert.match(describeError(refused).line, /is `ferry server` running\?/);
});
