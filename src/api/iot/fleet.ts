import type { FastifyInstance } from 'fastify';
import { invalidInput } from '../../errors.js';
import type { AggregationRequest } from '../../fleet/aggregations.js';
import type { ThingDocument } from '../../fleet/document.js';
import { jsonBody, pathLabel, queryInteger, queryString } from '../../protocols/rest-json.js';
import { optionalInteger, optionalString, requiredString } from '../../registry/validate.js';
import type { AppContext } from '../../server/context.js';
import { propertiesIn } from './thing-groups.js';
import { iotOperation } from './route.js';
import { tagsIn } from './tags.js';

/** A ThingDocument as SearchIndex answers it (connectivity.timestamp is epoch ms, as AWS sends it). */
function thingDocument(d: ThingDocument) {
  return {
    thingName: d.thingName,
    thingId: d.thingId,
    ...(d.thingTypeName !== undefined ? { thingTypeName: d.thingTypeName } : {}),
    thingGroupNames: d.thingGroupNames,
    attributes: d.attributes,
    connectivity: d.connectivity,
  };
}

function aggregationIn(body: Record<string, unknown>): AggregationRequest {
  return {
    indexName: optionalString(body.indexName, 'indexName', 128),
    queryString: requiredString(body.queryString, 'queryString'),
    queryVersion: optionalString(body.queryVersion, 'queryVersion', 128),
    aggregationField: optionalString(body.aggregationField, 'aggregationField', 1024),
  };
}

function dynamicQueryIn(body: Record<string, unknown>) {
  return {
    indexName: optionalString(body.indexName, 'indexName', 128),
    queryVersion: optionalString(body.queryVersion, 'queryVersion', 128),
  };
}

/** Fleet indexing: SearchIndex, the aggregations, indexes, the indexing configuration, dynamic thing groups. */
export function registerFleetRoutes(app: FastifyInstance, ctx: AppContext): void {
  const fleet = () => ctx.services.fleet;
  const dynamic = () => ctx.services.registry.dynamicGroups;

  iotOperation(app, ctx, 'POST', '/indices/search', async (request) => {
    const body = jsonBody(request);
    const page = await fleet().search({
      indexName: optionalString(body.indexName, 'indexName', 128),
      queryString: requiredString(body.queryString, 'queryString'),
      queryVersion: optionalString(body.queryVersion, 'queryVersion', 128),
      maxResults: optionalInteger(body.maxResults, 'maxResults'),
      nextToken: optionalString(body.nextToken, 'nextToken', 4096),
    });
    return { things: page.things.map(thingDocument), thingGroups: [], ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
  });

  iotOperation(app, ctx, 'POST', '/indices/statistics', async (request) => {
    return { statistics: await fleet().statistics(aggregationIn(jsonBody(request))) };
  });

  iotOperation(app, ctx, 'POST', '/indices/cardinality', async (request) => {
    return { cardinality: await fleet().cardinality(aggregationIn(jsonBody(request))) };
  });

  iotOperation(app, ctx, 'POST', '/indices/percentiles', async (request) => {
    const body = jsonBody(request);
    if (body.percents !== undefined && !Array.isArray(body.percents)) throw invalidInput('percents must be a list of numbers.');
    return { percentiles: await fleet().percentiles({ ...aggregationIn(body), percents: body.percents as number[] | undefined }) };
  });

  iotOperation(app, ctx, 'POST', '/indices/buckets', async (request) => {
    const body = jsonBody(request);
    const type = body.bucketsAggregationType as { termsAggregation?: { maxBuckets?: unknown } } | undefined;
    if (type === undefined || typeof type !== 'object') throw invalidInput('bucketsAggregationType is required.');
    const maxBuckets = optionalInteger(type.termsAggregation?.maxBuckets, 'termsAggregation.maxBuckets');
    return fleet().buckets({ ...aggregationIn(body), maxBuckets });
  });

  iotOperation(app, ctx, 'GET', '/indices', async (request) => {
    queryInteger(request, 'maxResults', 1, 500);
    queryString(request, 'nextToken');
    return { indexNames: await fleet().indexNames() };
  });

  iotOperation(app, ctx, 'GET', '/indices/:indexName', async (request) => fleet().describeIndex(pathLabel(request, 'indexName')));

  iotOperation(app, ctx, 'GET', '/indexing/config', async () => fleet().configuration());

  iotOperation(app, ctx, 'POST', '/indexing/config', async (request) => {
    const body = jsonBody(request);
    await fleet().configure({ thingIndexingConfiguration: body.thingIndexingConfiguration, thingGroupIndexingConfiguration: body.thingGroupIndexingConfiguration });
    return {};
  });

  iotOperation(app, ctx, 'POST', '/dynamic-thing-groups/:thingGroupName', async (request) => {
    const body = jsonBody(request);
    const group = await fleet().createDynamicGroup(pathLabel(request, 'thingGroupName'), {
      ...dynamicQueryIn(body),
      queryString: requiredString(body.queryString, 'queryString'),
      properties: propertiesIn(body.thingGroupProperties),
      tags: tagsIn(body.tags),
    });
    return {
      thingGroupName: group.name,
      thingGroupArn: group.arn,
      thingGroupId: group.id,
      indexName: group.dynamic!.indexName,
      queryString: group.dynamic!.queryString,
      queryVersion: group.dynamic!.queryVersion,
    };
  });

  iotOperation(app, ctx, 'PATCH', '/dynamic-thing-groups/:thingGroupName', async (request) => {
    const body = jsonBody(request);
    const version = await dynamic().update(pathLabel(request, 'thingGroupName'), {
      ...dynamicQueryIn(body),
      queryString: optionalString(body.queryString, 'queryString', 1000),
      properties: propertiesIn(body.thingGroupProperties) ?? {},
      expectedVersion: optionalInteger(body.expectedVersion, 'expectedVersion'),
    });
    return { version };
  });

  iotOperation(app, ctx, 'DELETE', '/dynamic-thing-groups/:thingGroupName', async (request) => {
    await dynamic().delete(pathLabel(request, 'thingGroupName'), queryInteger(request, 'expectedVersion', 0, Number.MAX_SAFE_INTEGER));
    return {};
  });
}


