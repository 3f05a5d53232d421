import type { Clock } from '../clock.js';
import type { Store } from '../store/db.js';
import type { Logger } from 'pino';
import type { DataDirPaths, PkiMaterial } from './data-dir.js';
import type { ServerOptions } from './config.js';
import type { Cluster } from '../cluster/index.js';
import type { FerryMetrics } from './metrics.js';
import { relayRegistryChanges } from '../cluster/change-relay.js';
import { relayDeviceEvents } from '../cluster/device-events-relay.js';
import { JobsRelay, type LocalNotifier } from '../cluster/jobs-relay.js';
import { DeviceMessagingHub } from '../mqtt/device-messaging.js';
import { ConnectivityStore } from '../mqtt/connectivity.js';
import { DeviceEvents } from '../mqtt/device-events.js';
import { createRegistry, type Registry } from '../registry/index.js';
import { createIamService, type IamService } from '../iam/service.js';
import { presignUrl } from '../protocols/sigv4/index.js';
import { createObjectStore, type ObjectStore } from '../objects/index.js';
import { createJobsService, type JobsService } from '../jobs/index.js';
import { startJobsMqtt } from '../api/jobs-mqtt/index.js';
import { FleetIndex } from '../fleet/service.js';
import { AuditLog } from '../audit/log.js';
import { History } from '../history/store.js';
import { ephemeralSecretBox, type SecretBox } from '../iam/secrets.js';

/** What the domain services are built from. */
export interface ServiceDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  accountId: string;
  region: string;
  paths: DataDirPaths;
  pki: PkiMaterial;
  /** Seals access-key secrets under the KEK; absent (tests): a key kept only in this process. */
  secrets?: SecretBox;
  /** The settings the services read (limits, time-outs, the blob directory). */
  options?: Pick<ServerOptions, 'blobDir' | 'abandonedUploadMs' | 'jobsTickMs' | 'maxConcurrentJobs'> & Partial<Pick<ServerOptions, 'auditRetentionMs' | 'auditFile' | 'historyRetentionMs'>>;
  cluster?: Cluster;
  /** Where the jobs notifications' latency goes. */
  metrics?: FerryMetrics;
}

/**
 * The protocol-free domain services, one per part of the product. Each part
 * adds its service here; adapters reach them through AppContext.services.
 */
export interface DomainServices {
  registry: Registry;
  iam: IamService;
  /** Talk to devices over MQTT (publish to their topics, consume their requests): see src/mqtt/device-messaging.ts. */
  deviceMessaging: DeviceMessagingHub;
  /** Each thing's MQTT connectivity (connected, since, last disconnect reason). */
  connectivity: ConnectivityStore;
  /** What this node's broker sees of each connection as it happens (the console's connect checklist). */
  deviceEvents: DeviceEvents;
  /** Buckets, objects and multipart uploads on the blob store; authorizes role sessions with IAM's policies. */
  objects: ObjectStore;
  /** Jobs and their executions, the timers' scheduler, and (through deviceMessaging) the Jobs MQTT API. */
  jobs: JobsService;
  /** SearchIndex, the aggregations, the indexing configuration, and dynamic groups' membership kept current. */
  fleet: FleetIndex;
  /** Every operator request, after it was decided (issue 20); purged past its retention. */
  audit: AuditLog;
  /** Lifecycle events, job and execution transitions, links issued and first used (issue 22); purged past its retention. */
  history: History;
  /** The Jobs MQTT API's hold on deviceMessaging (a test's scripted stand-in may stop it and answer instead). */
  jobsMqtt: { stop(): void };
}

export async function createDomainServices(deps: ServiceDeps): Promise<DomainServices> {
  const registry = createRegistry(deps);
  const iam = createIamService({ db: deps.store.db, clock: deps.clock, accountId: deps.accountId, region: deps.region, identities: registry, sign: presignUrl, secrets: deps.secrets ?? ephemeralSecretBox() });
  iam.authorizer.useResourceTags(registry.tags);
  const deviceMessaging = new DeviceMessagingHub(deps.logger.child({ component: 'device-messaging' }));
  const connectivity = new ConnectivityStore(deps.store.db);
  const objects = await createObjectStore({ store: deps.store, clock: deps.clock, logger: deps.logger.child({ component: 'objects' }), region: deps.region, root: deps.options?.blobDir ?? deps.paths.objects, policies: iam.authorizer, ...(deps.options ? { abandonedUploadMs: deps.options.abandonedUploadMs } : {}), ...(deps.cluster ? { singleton: deps.cluster.singleton('objects-sweep'), sharedBlobs: deps.cluster.clustered } : {}) });
  const history = new History({
    db: deps.store.db,
    dialect: deps.store.dialect,
    clock: deps.clock,
    logger: deps.logger.child({ component: 'history' }),
    node: deps.cluster?.nodeName ?? 'local',
    retentionMs: deps.options?.historyRetentionMs,
    ...(deps.cluster ? { singleton: deps.cluster.singleton('history-purge') } : {}),
  });
  history.start();
  const jobs = createJobsService({ store: deps.store, clock: deps.clock, logger: deps.logger.child({ component: 'jobs' }), registry, iam, objects, history, ...(deps.options ? { tickIntervalMs: deps.options.jobsTickMs, maxConcurrentJobs: deps.options.maxConcurrentJobs } : {}), ...(deps.cluster ? { timers: { owner: deps.cluster.nodeId, leaseMs: deps.cluster.settings.leaseMs }, singleton: deps.cluster.singleton('jobs-deletions') } : {}) });
  const cluster = deps.cluster?.clustered ? deps.cluster : undefined;
  const relay = cluster
    ? (local: LocalNotifier) =>
        new JobsRelay({
          bus: cluster.bus,
          nodes: cluster.nodes,
          local,
          nodesOf: (ids) => connectivity.nodesOf(ids),
          connectedOn: (nodeId) => connectivity.connectedOn(nodeId),
          isLocal: (clientId) => deviceMessaging.isConnected(clientId),
          pendingLists: (things) => jobs.pendingLists(things),
          thingsChangedSince: (things, since) => jobs.thingsChangedSince(things, since),
          logger: deps.logger.child({ component: 'cluster' }),
        })
    : undefined;
  const jobsMqtt = startJobsMqtt({ messaging: deviceMessaging, jobs, clock: deps.clock, logger: deps.logger.child({ component: 'jobs-mqtt' }), thingArn: registry.arns.thing,
    ...(relay ? { relay } : {}),
    ...(deps.metrics ? { observeNotification: (seconds: number) => deps.metrics!.notificationSeconds.observe(seconds) } : {}),
  });
  const fleet = new FleetIndex({
    db: deps.store.db,
    dialect: deps.store.dialect,
    clock: deps.clock,
    registry,
    logger: deps.logger.child({ component: 'fleet' }),
    connectivity,
    // One node on its own data dir is always `local`, so after a restart it takes its unfinished evaluations back at once.
    builds: { owner: deps.cluster?.clustered ? deps.cluster.nodeId : 'local', leaseMs: deps.cluster?.settings.leaseMs ?? 30_000, intervalMs: deps.options?.jobsTickMs ?? 1000 },
  });
  jobs.start();
  registry.rotations.start({
    owner: deps.cluster?.nodeId ?? 'local',
    leaseMs: deps.cluster?.settings.leaseMs ?? 30_000,
    intervalMs: deps.options?.jobsTickMs ?? 1000,
    logger: deps.logger.child({ component: 'certificate-rotation' }),
  });
  fleet.start();
  const audit = new AuditLog({
    db: deps.store.db,
    clock: deps.clock,
    logger: deps.logger.child({ component: 'audit' }),
    ...(deps.options?.auditRetentionMs !== undefined ? { retentionMs: deps.options.auditRetentionMs } : {}),
    ...(deps.options?.auditFile ? { file: deps.options.auditFile } : {}),
    ...(deps.cluster ? { singleton: deps.cluster.singleton('audit-purge') } : {}),
  });
  audit.start();
  const deviceEvents = new DeviceEvents();
  if (deps.cluster?.clustered) {
    relayRegistryChanges({ feed: registry.feed, bus: deps.cluster.bus, nodes: deps.cluster.nodes, waitMs: deps.cluster.settings.changeWaitMs, logger: deps.logger.child({ component: 'cluster' }) });
    // The connect checklist on any node's console sees the devices of every node.
    relayDeviceEvents({ events: deviceEvents, bus: deps.cluster.bus, logger: deps.logger.child({ component: 'cluster' }) });
  }
  return { registry, iam, deviceMessaging, connectivity, deviceEvents, objects, jobs, jobsMqtt, fleet, audit, history };
}

/** Stops background work (timers, schedulers) before the database closes. */
export async function stopDomainServices(services: DomainServices): Promise<void> {
  await services.fleet.stop();
  await services.jobs.stop();
  await services.registry.rotations.stop();
  await services.objects.stop();
  await services.audit.stop();
  await services.history.stop();
}
