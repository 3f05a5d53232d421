import { SearchIndexCommand, type ThingDocument } from '@aws-sdk/client-iot';
import type { Connection } from '../client-config.js';
import { allPages } from './pages.js';

/** SearchIndex, every page: the things a fleet-indexing query matches. */
export function searchThings(conn: Connection, queryString: string): Promise<ThingDocument[]> {
  return allPages(async (nextToken) => {
    const out = await conn.iot().send(new SearchIndexCommand({ indexName: 'AWS_Things', queryString, maxResults: 100, ...(nextToken ? { nextToken } : {}) }));
    return { items: out.things ?? [], nextToken: out.nextToken };
  });
}
