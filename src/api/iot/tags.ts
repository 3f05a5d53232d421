import type { FastifyInstance } from 'fastify';
import { invalidInput } from '../../errors.js';
import { jsonBody, queryString } from '../../protocols/rest-json.js';
import type { Tag } from '../../registry/index.js';
import { requiredString, stringList } from '../../registry/validate.js';
import type { AppContext } from '../../server/context.js';
import { iotOperation } from './route.js';

/** A `tags` list as the IoT API sends it: `[{Key, Value}]`. */
export function tagsIn(value: unknown): Tag[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidInput('tags must be a list of {Key, Value}.');
  return value.map((t: unknown) => {
    const tag = t as { Key?: unknown; Value?: unknown } | null;
    if (!tag || typeof tag.Key !== 'string') throw invalidInput('Every tag needs a Key.');
    if (tag.Value !== undefined && tag.Value !== null && typeof tag.Value !== 'string') throw invalidInput(`The value of tag ${tag.Key} must be a string.`);
    return { key: tag.Key, value: typeof tag.Value === 'string' ? tag.Value : '' };
  });
}

export const tagsOut = (tags: Tag[]) => tags.map((t) => ({ Key: t.key, Value: t.value }));

/** TagResource, UntagResource, ListTagsForResource. */
export function registerTagRoutes(app: FastifyInstance, ctx: AppContext): void {
  const tags = () => ctx.services.registry.tags;

  iotOperation(app, ctx, 'POST', '/tags', async (request) => {
    const body = jsonBody(request);
    await tags().tag(requiredString(body.resourceArn, 'resourceArn', 2048), tagsIn(body.tags));
    return {};
  });

  iotOperation(app, ctx, 'POST', '/untag', async (request) => {
    const body = jsonBody(request);
    await tags().untag(requiredString(body.resourceArn, 'resourceArn', 2048), stringList(body.tagKeys, 'tagKeys'));
    return {};
  });

  iotOperation(app, ctx, 'GET', '/tags', async (request) => {
    const page = await tags().list(requiredString(queryString(request, 'resourceArn'), 'resourceArn', 2048), queryString(request, 'nextToken'));
    return { tags: tagsOut(page.items), ...(page.next ? { nextToken: page.next } : {}) };
  });
}
