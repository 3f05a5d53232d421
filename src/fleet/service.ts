/**
 * The fleet index: SearchIndex and the aggregations over things, the
 * indexing configuration, and dynamic thing groups' membership kept current
 * (membership.ts). Protocol-free; the IoT adapter (src/api/iot/fleet.ts) calls it.
 */
import type { Kysely } from 'kysely';
import type { Registry, ThingGroup } from '../registry/index.js';
import { THINGS_INDEX, type DynamicQuery } from '../registry/dynamic-groups.js';
import type { ThingGroupProperties } from '../registry/thing-groups.js';
import type { Tag } from '../registry/types.js';
import type { Database } from '../store/schema.js';
import { connectivityOn, readIndexingConfiguration, thingIndexOn, updateIndexingConfiguration, type IndexingConfiguration } from './indexing-config.js';
import { DynamicMembership, type MembershipDeps } from './membership.js';
import { buckets, cardinality, percentiles, statistics, type AggregationRequest, type Statistics } from './aggregations.js';
import { checkIndex, searchIndex, type SearchPage, type SearchRequest } from './search.js';
import { notFound } from '../errors.js';

export class FleetIndex {
  readonly membership: DynamicMembership;
  private readonly db: Kysely<Database>;
  private readonly registry: Registry;

  constructor(deps: MembershipDeps) {
    this.db = deps.db;
    this.registry = deps.registry;
    this.membership = new DynamicMembership(deps);
  }

  start(): void {
    this.membership.start();
  }

  stop(): Promise<void> {
    return this.membership.stop();
  }

  async search(request: SearchRequest): Promise<SearchPage> {
    await this.requireThingIndex();
    return searchIndex(this.db, request);
  }

  async statistics(request: AggregationRequest): Promise<Statistics> {
    await this.requireThingIndex();
    return statistics(this.db, request);
  }

  async cardinality(request: AggregationRequest): Promise<number> {
    await this.requireThingIndex();
    return cardinality(this.db, request);
  }

  async percentiles(request: AggregationRequest & { percents?: number[] | undefined }): Promise<Array<{ percent: number; value: number }>> {
    await this.requireThingIndex();
    return percentiles(this.db, request);
  }

  async buckets(request: AggregationRequest & { maxBuckets?: number | undefined }) {
    await this.requireThingIndex();
    return buckets(this.db, request);
  }

  configuration(): Promise<IndexingConfiguration> {
    return readIndexingConfiguration(this.db);
  }

  async configure(update: { thingIndexingConfiguration?: unknown; thingGroupIndexingConfiguration?: unknown }): Promise<void> {
    const dynamic = await this.registry.dynamicGroups.all();
    await updateIndexingConfiguration(this.db, update, dynamic.length);
  }

  /** The indexes that exist: AWS_Things while thing indexing is on. */
  async indexNames(): Promise<string[]> {
    return thingIndexOn(await this.configuration()) ? [THINGS_INDEX] : [];
  }

  /** DescribeIndex: always ACTIVE (Ferry's index is current as things change); the schema says what it holds. */
  async describeIndex(name: string): Promise<{ indexName: string; indexStatus: 'ACTIVE'; schema: string }> {
    checkIndex(name);
    const config = await this.requireThingIndex();
    return { indexName: THINGS_INDEX, indexStatus: 'ACTIVE', schema: connectivityOn(config) ? 'REGISTRY_AND_CONNECTIVITY_STATUS' : 'REGISTRY' };
  }

  async createDynamicGroup(name: string, input: DynamicQuery & { properties?: ThingGroupProperties | undefined; tags?: Tag[] | undefined }): Promise<ThingGroup> {
    await this.requireThingIndex();
    return this.registry.dynamicGroups.create(name, input);
  }

  /** The aggregations and dynamic groups read the index: refused while thing indexing is OFF. */
  async requireThingIndex(): Promise<IndexingConfiguration> {
    const config = await this.configuration();
    if (!thingIndexOn(config)) throw notFound('index', `Index ${THINGS_INDEX} does not exist: thing indexing is OFF (UpdateIndexingConfiguration turns it on).`);
    return config;
  }
}

