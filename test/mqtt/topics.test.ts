import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MqttArns, topicMatches } from '../../src/mqtt/topics.js';
import { publishRefusal, subscribeRefusal } from '../../src/mqtt/reserved-topics.js';

test('topic filters match as MQTT 3.1.1 says', () => {
  const cases: Array<[string, string, boolean]> = [
    ['a/b', 'a/b', true],
    ['a/+', 'a/b', true],
    ['a/+', 'a/b/c', false],
    ['a/#', 'a', true],
    ['a/#', 'a/b/c', true],
    ['+/+', '/x', true],
    ['#', 'anything/at/all', true],
    ['#', '$aws/things/t/jobs/get', false],
    ['+/things/t', '$aws/things/t', false],
    ['$aws/things/+/jobs/#', '$aws/things/t/jobs/get', true],
    ['$aws/things/+/jobs/#', '$aws/things/t/shadow/get', false],
    ['a/b', 'a/b/c', false],
  ];
  for (const [filter, topic, expected] of cases) assert.equal(topicMatches(filter, topic), expected, `${filter} ~ ${topic}`);
});

test('resources are the ARNs IoT policies name, with the topic as written', () => {
  const arns = new MqttArns('eu-west-1', '123456789012');
  assert.equal(arns.client('miso_1'), 'arn:aws:iot:eu-west-1:123456789012:client/miso_1');
  assert.equal(arns.topic('$aws/things/t/jobs/get'), 'arn:aws:iot:eu-west-1:123456789012:topic/$aws/things/t/jobs/get');
  assert.equal(arns.topicFilter('a/+/#'), 'arn:aws:iot:eu-west-1:123456789012:topicfilter/a/+/#');
});

test('devices publish under $aws only to Jobs requests', () => {
  for (const topic of ['$aws/things/t/jobs/get', '$aws/things/t/jobs/start-next', '$aws/things/t/jobs/j1/get', '$aws/things/t/jobs/$next/get', '$aws/things/t/jobs/j1/update', '$aws/things/t/jobs/unknown']) {
    assert.equal(publishRefusal(topic, false), undefined, topic);
  }
  for (const topic of [
    '$aws/things/t/jobs/get/accepted',
    '$aws/things/t/jobs/j1/update/rejected',
    '$aws/things/t/jobs/notify',
    '$aws/things/t/jobs/notify-next',
    '$aws/things/t/shadow/update',
    '$aws/events/presence/connected/x',
    '$aws/rules/r',
    '$SYS/broker',
    '$other',
  ]) {
    assert.notEqual(publishRefusal(topic, false), undefined, topic);
  }
  assert.notEqual(publishRefusal('$aws/things/t/jobs/get', true), undefined, 'no retained messages on reserved topics');
  assert.equal(publishRefusal('plain/topic', true), undefined);
});

test('devices subscribe to $aws filters as policies allow, never to $SYS', () => {
  assert.equal(subscribeRefusal('$aws/things/t/jobs/notify-next'), undefined);
  assert.equal(subscribeRefusal('$aws/events/presence/+/x'), undefined);
  assert.equal(subscribeRefusal('a/#'), undefined);
  assert.notEqual(subscribeRefusal('$SYS/#'), undefined);
  assert.notEqual(subscribeRefusal('$share/g/a'), undefined);
});
