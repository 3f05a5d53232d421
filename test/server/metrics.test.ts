import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { UpdateCertificateCommand } from '@aws-sdk/client-iot';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { createJob, JobsDevice, provisionDevices } from '../jobs/helpers.js';
import { parsePrometheusText, valueOf, type Family } from '../helpers/prometheus.js';
import { clusterSkipReason, startTestCluster } from '../cluster/helpers.js';

async function scrape(ts: TestServer, path = '/metrics'): Promise<{ status: number; type: string; body: string }> {
  const res = await fetch(`http://${ts.server.addresses.metrics}${path}`);
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
}

const metricsOf = async (ts: TestServer): Promise<Map<string, Family>> => parsePrometheusText((await scrape(ts)).body);

test('--metrics-address serves /metrics in the Prometheus text format, labelled by node, and its counters move with the traffic; /healthz and /readyz beside it', async (t) => {
  const s = await startTestServer({ metricsAddress: '127.0.0.1:0', nodeName: 'metered' });
  t.after(() => s.close());
  const first = await scrape(s);
  assert.equal(first.status, 200);
  assert.match(first.type, /^text\/plain; version=0\.0\.4/);
  const before = parsePrometheusText(first.body);
  for (const name of [
    'ferry_mqtt_connections',
    'ferry_mqtt_messages_total',
    'ferry_jobs',
    'ferry_job_executions',
    'ferry_jobs_notification_latency_seconds',
    'ferry_http_requests_total',
    'ferry_cluster_bus_latency_seconds',
    'ferry_database_query_seconds',
    'nodejs_eventloop_lag_seconds',
  ]) {
    assert.ok(before.has(name), `${name} is served`);
  }
  for (const family of before.values()) for (const sample of family.samples) assert.equal(sample.labels.node, 'metered', `${sample.name} names the node`);
  assert.equal(valueOf(before, 'ferry_mqtt_connections'), 0);

  await s.sts().send(new GetCallerIdentityCommand({}));
  const creds = await provisionDevices(s, ['miso_metered']);
  const device = await JobsDevice.connect(s, 'miso_metered', creds.get('miso_metered')!);
  await createJob(s, { jobId: 'metered', things: ['miso_metered'], document: '{"operation":"noop"}' });
  await device.next('notify-next');
  await device.accepted('start-next');

  const after = await metricsOf(s);
  assert.equal(valueOf(after, 'ferry_mqtt_connections'), 1);
  assert.ok(valueOf(after, 'ferry_mqtt_messages_total', { direction: 'in' }) >= 1, 'the device’s start-next');
  assert.ok(valueOf(after, 'ferry_mqtt_messages_total', { direction: 'out' }) >= 3, 'notify, notify-next and the accepted answer');
  assert.equal(valueOf(after, 'ferry_jobs', { status: 'IN_PROGRESS' }), 1);
  assert.equal(valueOf(after, 'ferry_job_executions', { status: 'IN_PROGRESS' }), 1);
  assert.ok(valueOf(after, 'ferry_jobs_notification_latency_seconds_count') >= 1);
  assert.equal(valueOf(after, 'ferry_http_requests_total', { listener: 'api', operation: 'sts:GetCallerIdentity', status: '200' }), 1);
  assert.equal(valueOf(after, 'ferry_http_requests_total', { listener: 'api', operation: 'PUT /jobs/:jobId', status: '200' }), 1);
  assert.ok(valueOf(after, 'ferry_database_query_seconds_count') > valueOf(before, 'ferry_database_query_seconds_count'));

  assert.equal((await scrape(s, '/healthz')).status, 200);
  const ready = await scrape(s, '/readyz');
  assert.equal(ready.status, 200);
  assert.equal(JSON.parse(ready.body).status, 'ready');
  device.client.end(true);
});

test('metrics are off unless --metrics-address is given', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  assert.equal(s.server.addresses.metrics, undefined);
});

test('in a cluster each node serves its own series; bus latency moves when a registry change crosses nodes', { skip: clusterSkipReason() }, async (t) => {
  const cluster = await startTestCluster(2, { metricsAddress: '127.0.0.1:0' });
  t.after(() => cluster.close());
  const [a, b] = cluster.nodes as [TestServer, TestServer];
  const creds = await provisionDevices(a, ['miso_bus']);
  await a.iot().send(new UpdateCertificateCommand({ certificateId: creds.get('miso_bus')!.certificateId, newStatus: 'INACTIVE' }));
  const ma = await metricsOf(a);
  assert.ok(valueOf(ma, 'ferry_cluster_bus_latency_seconds_count', { kind: 'publish-and-wait' }) >= 1);
  assert.equal(ma.get('ferry_mqtt_connections')!.samples[0]!.labels.node, 'node-1');
  assert.equal((await metricsOf(b)).get('ferry_mqtt_connections')!.samples[0]!.labels.node, 'node-2');
});
