import type { FastifyReply, FastifyRequest } from 'fastify';
import { invalidInput } from '../errors.js';

/**
 * rest-json helpers: the body is JSON for members without HTTP bindings
 * (aws-wire-protocols.md §3.1); an empty body is `{}`.
 */
export function jsonBody<T extends object = Record<string, unknown>>(request: FastifyRequest): T {
  const raw = request.rawBody;
  if (!raw || raw.length === 0) return {} as T;
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch (error) {
    throw invalidInput(`The request body is not valid JSON: ${(error as Error).message}`, 'malformed-body');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidInput('The request body must be a JSON object.', 'malformed-body');
  }
  return value as T;
}

export type QueryParams = Record<string, string | string[] | undefined>;

function first(query: QueryParams, name: string): string | undefined {
  const value = query[name];
  return Array.isArray(value) ? value[0] : value;
}

export function queryString(request: FastifyRequest, name: string): string | undefined {
  return first(request.query as QueryParams, name);
}

export function queryBoolean(request: FastifyRequest, name: string): boolean | undefined {
  const value = queryString(request, name);
  if (value === undefined) return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw invalidInput(`${name} must be true or false.`);
}

export function queryInteger(request: FastifyRequest, name: string, min: number, max: number): number | undefined {
  const value = queryString(request, name);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw invalidInput(`${name} must be an integer from ${min} to ${max}.`);
  return n;
}

/** A path label as the client sent it, decoded once (labels may hold `%2F`, §3.1). */
export function pathLabel(request: FastifyRequest, name: string): string {
  const value = (request.params as Record<string, string | undefined>)[name];
  if (value === undefined) throw invalidInput(`Missing path parameter ${name}.`);
  return value;
}

/** Epoch milliseconds as the float seconds rest-json timestamps use. */
export const epochSeconds = (ms: number): number => ms / 1000;

export function sendJson(reply: FastifyReply, body: unknown, status = 200): FastifyReply {
  return reply.code(status).header('content-type', 'application/json').send(JSON.stringify(body ?? {}));
}
