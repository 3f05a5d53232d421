/**
 * What a node measures, in Prometheus' terms (prom-client): one registry per
 * node (several nodes may share a process in tests), every series labelled
 * with the node's name. Counters and histograms are fed where things happen;
 * gauges (connections, jobs and executions by status) are read at scrape
 * time. Served by metrics-listener.ts when `--metrics-address` is set.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Where the scrape-time gauges read from (set once the broker and the database are up). */
export interface MetricSources {
  connections(): number;
  jobsByStatus(): Promise<Record<string, number>>;
  executionsByStatus(): Promise<Record<string, number>>;
}

const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class FerryMetrics {
  readonly registry = new Registry();
  readonly mqttMessages = new Counter({ name: 'ferry_mqtt_messages_total', help: 'MQTT PUBLISH packets: in = from clients, out = delivered to clients', labelNames: ['direction'] as const, registers: [this.registry] });
  readonly httpRequests = new Counter({ name: 'ferry_http_requests_total', help: 'HTTP requests answered, by listener, operation and status code', labelNames: ['listener', 'operation', 'status'] as const, registers: [this.registry] });
  readonly notificationSeconds = new Histogram({
    name: 'ferry_jobs_notification_latency_seconds',
    help: 'From a jobs change being committed to its notify / notify-next reaching the broker on the node holding the device',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly busSeconds = new Histogram({ name: 'ferry_cluster_bus_latency_seconds', help: 'Cluster bus: publish (sent) and publish-and-wait (every node confirmed)', labelNames: ['kind'] as const, buckets: LATENCY_BUCKETS, registers: [this.registry] });
  readonly databaseSeconds = new Histogram({ name: 'ferry_database_query_seconds', help: 'Database queries, as the query builder timed them', buckets: LATENCY_BUCKETS, registers: [this.registry] });
  private sources: MetricSources | undefined;

  constructor() {
    const metrics = this;
    const read = (pick: (s: MetricSources) => Promise<Record<string, number>>) =>
      async function (this: Gauge<'status'>) {
        this.reset();
        if (!metrics.sources) return;
        for (const [status, n] of Object.entries(await pick(metrics.sources))) this.set({ status }, n);
      };
    new Gauge({
      name: 'ferry_mqtt_connections',
      help: 'MQTT connections this node holds',
      registers: [this.registry],
      collect() {
        this.set(metrics.sources?.connections() ?? 0);
      },
    });
    new Gauge({ name: 'ferry_jobs', help: 'Jobs by status (cluster-wide: the database)', labelNames: ['status'] as const, registers: [this.registry], collect: read((s) => s.jobsByStatus()) });
    new Gauge({ name: 'ferry_job_executions', help: 'Job executions by status (cluster-wide: the database)', labelNames: ['status'] as const, registers: [this.registry], collect: read((s) => s.executionsByStatus()) });
  }

  /** Every series says which node it is from. */
  nameNode(nodeName: string): void {
    this.registry.setDefaultLabels({ node: nodeName });
  }

  readFrom(sources: MetricSources): void {
    this.sources = sources;
  }

  /** Node.js' own: event-loop delay, heap, CPU, handles (only while served: it runs a monitor). */
  collectRuntime(): void {
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 10 });
  }

  /** Times `work` into a histogram (seconds), whether it succeeds or not. */
  static async timed<T>(histogram: { observe(value: number): void }, work: () => Promise<T>): Promise<T> {
    const started = process.hrtime.bigint();
    try {
      return await work();
    } finally {
      histogram.observe(Number(process.hrtime.bigint() - started) / 1e9);
    }
  }
}
