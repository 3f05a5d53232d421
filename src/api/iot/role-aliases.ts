import type { FastifyInstance, FastifyRequest } from 'fastify';
import { invalidInput } from '../../errors.js';
import type { RoleAlias } from '../../iam/role-aliases.js';
import { validTags, type Tag } from '../../iam/validate.js';
import { epochSeconds, jsonBody, pathLabel, queryBoolean, queryInteger, queryString } from '../../protocols/rest-json.js';
import type { AppContext } from '../../server/context.js';
import { iotOperation } from './route.js';

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidInput(`${name} must be a string.`);
  return value;
}

function optionalInteger(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw invalidInput(`${name} must be an integer.`);
  return value;
}

function tagsIn(value: unknown): Tag[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidInput('tags must be a list of {Key, Value}.');
  return validTags(
    value.map((t: unknown) => {
      const tag = t as { Key?: unknown; Value?: unknown } | null;
      if (!tag || typeof tag.Key !== 'string') throw invalidInput('Every tag needs a Key.');
      return { Key: tag.Key, Value: typeof tag.Value === 'string' ? tag.Value : '' };
    }),
  );
}

const description = (a: RoleAlias) => ({
  roleAlias: a.roleAlias,
  roleAliasArn: a.roleAliasArn,
  roleArn: a.roleArn,
  owner: a.owner,
  credentialDurationSeconds: a.credentialDurationSeconds,
  creationDate: epochSeconds(a.createdAt),
  lastModifiedDate: epochSeconds(a.updatedAt),
});

/** Role aliases (aws-wire-protocols.md §3.3 and §8): the credentials provider's door to a role. */
export function registerRoleAliasRoutes(app: FastifyInstance, ctx: AppContext): void {
  const aliases = () => ctx.services.iam.roleAliases;
  const alias = (request: FastifyRequest) => pathLabel(request, 'roleAlias');

  iotOperation(app, ctx, 'POST', '/role-aliases/:roleAlias', async (request) => {
    const body = jsonBody(request);
    const roleArn = optionalString(body.roleArn, 'roleArn');
    if (roleArn === undefined) throw invalidInput('roleArn is required.');
    const created = await aliases().create({
      roleAlias: alias(request),
      roleArn,
      credentialDurationSeconds: optionalInteger(body.credentialDurationSeconds, 'credentialDurationSeconds'),
      tags: tagsIn(body.tags),
    });
    return { roleAlias: created.roleAlias, roleAliasArn: created.roleAliasArn };
  });

  iotOperation(app, ctx, 'GET', '/role-aliases/:roleAlias', async (request) => ({ roleAliasDescription: description(await aliases().describe(alias(request))) }));

  iotOperation(app, ctx, 'GET', '/role-aliases', async (request) => {
    const page = await aliases().list({
      marker: queryString(request, 'marker'),
      maxItems: queryInteger(request, 'pageSize', 1, 250),
      ascending: queryBoolean(request, 'isAscendingOrder'),
    });
    return { roleAliases: page.items, ...(page.marker ? { nextMarker: page.marker } : {}) };
  });

  iotOperation(app, ctx, 'PUT', '/role-aliases/:roleAlias', async (request) => {
    const body = jsonBody(request);
    const updated = await aliases().update(alias(request), {
      roleArn: optionalString(body.roleArn, 'roleArn'),
      credentialDurationSeconds: optionalInteger(body.credentialDurationSeconds, 'credentialDurationSeconds'),
    });
    return { roleAlias: updated.roleAlias, roleAliasArn: updated.roleAliasArn };
  });

  iotOperation(app, ctx, 'DELETE', '/role-aliases/:roleAlias', async (request) => {
    await aliases().delete(alias(request));
    return {};
  });
}
