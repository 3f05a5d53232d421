import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pendingAfter, pendingChange, sortPending } from '../../src/jobs/pending.js';
import { routeOf, parsePayload, Rejection } from '../../src/api/jobs-mqtt/requests.js';
import type { JobExecution, JobExecutionStatus } from '../../src/jobs/types.js';

const exec = (jobId: string, status: JobExecutionStatus, queuedAtMs: number): JobExecution => ({
  jobId,
  thingName: 't',
  status,
  statusDetails: {},
  queuedAtMs,
  lastUpdatedAtMs: queuedAtMs,
  executionNumber: 1,
  versionNumber: 1,
  retryAttempt: 0,
  forceCanceled: false,
  notifiedAtMs: queuedAtMs,
});

test('the pending list: IN_PROGRESS first, then QUEUED, each in queue order', () => {
  const list = sortPending([exec('c', 'QUEUED', 3), exec('b', 'IN_PROGRESS', 2), exec('a', 'QUEUED', 1), exec('d', 'IN_PROGRESS', 1)]);
  assert.deepEqual(list.map((e) => e.jobId), ['d', 'b', 'a', 'c']);
});

test('§1.5: which changes publish notify, notify-next, both or neither', () => {
  const a = exec('a', 'QUEUED', 1);
  const b = exec('b', 'QUEUED', 2);
  const change = (before: JobExecution[], changed: JobExecution) => {
    const c = pendingChange('t', before, pendingAfter(before, changed));
    return c ? [c.listChanged, c.nextChanged] : 'nothing';
  };
  assert.deepEqual(change([], a), [true, true], 'the first job queued: both');
  assert.deepEqual(change([a], b), [true, false], 'another job queued behind: notify only');
  assert.equal(change([a, b], { ...a, status: 'IN_PROGRESS', versionNumber: 2 }), 'nothing', 'the head starting: nothing');
  assert.deepEqual(change([a, b], { ...b, status: 'IN_PROGRESS', versionNumber: 2 }), [false, true], 'a later job starting becomes next: notify-next only');
  assert.deepEqual(change([a, b], { ...a, status: 'SUCCEEDED' }), [true, true], 'the head finishing: both');
  assert.deepEqual(change([a, b], { ...b, status: 'FAILED' }), [true, false], 'a later job finishing: notify only');
  assert.deepEqual(change([a], { ...a, status: 'CANCELED' }), [true, true], 'the last one leaving: both (empty list, no next)');
  const { notifiedAtMs: _n, ...hidden } = b;
  assert.equal(change([a], hidden), 'nothing', 'an execution the rollout has not reached: the device hears nothing');
  assert.deepEqual(change([a], hidden.status === 'QUEUED' ? { ...hidden, notifiedAtMs: 5 } : hidden), [true, false], 'the rollout reaching it: notify');
});

test('request topics map to operations; anything else under jobs/ is InvalidTopic', () => {
  const p = '$aws/things/miso:1/jobs';
  assert.deepEqual(routeOf(`${p}/get`), { thingName: 'miso:1', op: { kind: 'get' } });
  assert.deepEqual(routeOf(`${p}/start-next`), { thingName: 'miso:1', op: { kind: 'start-next' } });
  assert.deepEqual(routeOf(`${p}/$next/get`), { thingName: 'miso:1', op: { kind: 'describe', jobId: '$next' } });
  assert.deepEqual(routeOf(`${p}/job-1/update`), { thingName: 'miso:1', op: { kind: 'update', jobId: 'job-1' } });
  for (const bad of [`${p}/$next/update`, `${p}/job-1`, `${p}/job-1/get/extra`, `${p}/job-1/delete`, '$aws/things/x/shadow/get']) assert.equal(routeOf(bad), undefined, bad);
});

test('payloads: empty is {}, invalid UTF-8 or JSON is InvalidJson, a non-object is InvalidRequest', () => {
  assert.deepEqual(parsePayload(Buffer.alloc(0)), {});
  const code = (b: Buffer) => {
    try {
      parsePayload(b);
      return 'ok';
    } catch (e) {
      return (e as Rejection).code;
    }
  };
  assert.equal(code(Buffer.from([0xff, 0xfe])), 'InvalidJson');
  assert.equal(code(Buffer.from('{')), 'InvalidJson');
  assert.equal(code(Buffer.from('"text"')), 'InvalidRequest');
  assert.equal(code(Buffer.from('{"clientToken":"x"}')), 'ok');
});
