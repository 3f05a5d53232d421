import { ListThingsInThingGroupCommand, SearchIndexCommand, type ThingDocument } from '@aws-sdk/client-iot';
import type { Connection } from '../client-config.js';

/** SearchIndex, every page: the things a fleet-indexing query matches. */
export async function searchThings(conn: Connection, queryString: string): Promise<ThingDocument[]> {
  const out: ThingDocument[] = [];
  let nextToken: string | undefined;
  do {
    const page = await conn.iot().send(new SearchIndexCommand({ indexName: 'AWS_Things', queryString, maxResults: 100, nextToken }));
    out.push(...(page.things ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return out;
}

/** ListThingsInThingGroup, every page (dynamic members included). */
export async function groupMembers(conn: Connection, name: string, recursive: boolean): Promise<string[]> {
  const out: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await conn.iot().send(new ListThingsInThingGroupCommand({ thingGroupName: name, recursive, maxResults: 250, nextToken }));
    out.push(...(page.things ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return out;
}
