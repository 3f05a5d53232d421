/**
 * SearchIndex over the AWS_Things index: the things matching a query, in
 * thing-name order, a page at a time (the next token is the last name given).
 */
import type { Kysely } from 'kysely';
import { invalidInput, notFound } from '../errors.js';
import { THINGS_INDEX, QUERY_VERSION } from '../registry/dynamic-groups.js';
import { decodeToken, encodeToken, isString } from '../registry/paging.js';
import type { Database } from '../store/schema.js';
import type { ThingDocument } from './document.js';
import { allDocuments } from './load.js';
import { matches, parseQuery } from './query/index.js';

// The IoT model: SearchIndex maxResults "cannot exceed 100".
export const MAX_SEARCH_RESULTS = 100;

export interface SearchRequest {
  indexName?: string | undefined;
  queryString: string;
  queryVersion?: string | undefined;
  maxResults?: number | undefined;
  nextToken?: string | undefined;
}

export interface SearchPage {
  things: ThingDocument[];
  nextToken?: string;
}

/** Checks the index and query version, parses the query (InvalidQueryException), then every matching document. */
export async function matchingDocuments(db: Kysely<Database>, request: Omit<SearchRequest, 'maxResults' | 'nextToken'>, after?: string): Promise<ThingDocument[]> {
  checkIndex(request.indexName);
  if (request.queryVersion !== undefined && request.queryVersion !== QUERY_VERSION) throw invalidInput(`queryVersion must be ${QUERY_VERSION} (got ${JSON.stringify(request.queryVersion)}).`);
  const query = parseQuery(request.queryString);
  const out: ThingDocument[] = [];
  for await (const chunk of allDocuments(db)) {
    for (const doc of chunk) if ((after === undefined || doc.thingName > after) && matches(query, doc)) out.push(doc);
  }
  // Code-unit order on every engine (the token compares the same way), whatever the database's collation.
  return out.sort((a, b) => (a.thingName < b.thingName ? -1 : 1));
}

export async function searchIndex(db: Kysely<Database>, request: SearchRequest): Promise<SearchPage> {
  const limit = request.maxResults ?? MAX_SEARCH_RESULTS;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_RESULTS) throw invalidInput(`maxResults must be an integer from 1 to ${MAX_SEARCH_RESULTS}.`);
  const after = decodeToken(request.nextToken, isString);
  const found = await matchingDocuments(db, request, after);
  const page: SearchPage = { things: found.slice(0, limit) };
  if (found.length > limit) page.nextToken = encodeToken(page.things[page.things.length - 1]!.thingName);
  return page;
}

/** AWS_Things is the only index Ferry keeps (thing groups are not indexed). */
export function checkIndex(indexName: string | undefined): void {
  const name = indexName ?? THINGS_INDEX;
  if (name !== THINGS_INDEX) throw notFound('index', `Index ${name} does not exist: Ferry indexes things only (${THINGS_INDEX}).`);
}
