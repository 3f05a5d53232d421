import type { FastifyInstance } from 'fastify';
import { invalidInput } from '../../errors.js';
import type { AuditPage, AuditQuery } from '../../audit/log.js';
import { jsonBody } from '../../protocols/rest-json.js';
import type { AppContext } from '../../server/context.js';
import { iotOperation } from '../iot/route.js';

/** The request body `ferry audit` sends (CloudTrail LookupEvents' spirit: a time bound, attributes, paging). */
export interface LookupAuditEventsRequest {
  /** ISO 8601 or epoch milliseconds. */
  startTime?: string | number;
  user?: string;
  eventName?: string;
  deniedOnly?: boolean;
  maxResults?: number;
  nextToken?: string;
}

/**
 * Ferry's own operation: the audit log, newest first, filtered by time,
 * user (name or ARN), operation name and denials. Signed as the IoT control
 * plane is.
 */
export function registerAuditRoutes(app: FastifyInstance, ctx: AppContext): void {
  iotOperation(app, ctx, 'POST', '/ferry/audit/events', async (request): Promise<AuditPage> => {
    return ctx.services.audit.lookup(auditQuery(jsonBody<LookupAuditEventsRequest>(request)));
  });
}

function auditQuery(body: LookupAuditEventsRequest): AuditQuery {
  const query: AuditQuery = {};
  if (body.startTime !== undefined) {
    const ms = typeof body.startTime === 'number' ? body.startTime : Date.parse(body.startTime);
    if (!Number.isFinite(ms)) throw invalidInput('startTime must be an ISO 8601 time or epoch milliseconds.');
    query.sinceMs = ms;
  }
  if (body.user !== undefined) query.user = text(body.user, 'user');
  if (body.eventName !== undefined) query.eventName = text(body.eventName, 'eventName');
  if (body.deniedOnly !== undefined) {
    if (typeof body.deniedOnly !== 'boolean') throw invalidInput('deniedOnly must be true or false.');
    query.deniedOnly = body.deniedOnly;
  }
  if (body.maxResults !== undefined) {
    if (!Number.isInteger(body.maxResults) || body.maxResults < 1 || body.maxResults > 1000) throw invalidInput('maxResults must be an integer from 1 to 1000.');
    query.maxResults = body.maxResults;
  }
  if (body.nextToken !== undefined) query.nextToken = text(body.nextToken, 'nextToken');
  return query;
}

function text(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '' || value.length > 2048) throw invalidInput(`${name} must be a non-empty string.`);
  return value;
}
