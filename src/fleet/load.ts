/**
 * Reading thing documents (document.ts) from the registry's tables and the
 * broker's connectivity records, many things at once.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import type { ThingConnectivityDoc, ThingDocument } from './document.js';

type Db = Kysely<Database>;
const CHUNK = 500;

/** The documents of these things (those that exist), in name order. */
export async function documentsOf(db: Db, names: readonly string[]): Promise<ThingDocument[]> {
  return (await documentsWithDynamicGroups(db, names)).docs;
}

/**
 * The same, and the dynamic groups each thing is in now (read together).
 * `connectivity: false` leaves connectivity out (every thing reads as never
 * connected), for a caller whose queries do not read it.
 */
export async function documentsWithDynamicGroups(db: Db, names: readonly string[], options: { connectivity?: boolean } = {}): Promise<{ docs: ThingDocument[]; dynamic: Map<string, Set<string>> }> {
  const docs: ThingDocument[] = [];
  const dynamic = new Map<string, Set<string>>();
  for (let i = 0; i < names.length; i += CHUNK) {
    const chunk = names.slice(i, i + CHUNK);
    const rows = await db.selectFrom('iot_things').select(['thing_name', 'thing_id', 'thing_type_name']).where('thing_name', 'in', chunk).execute();
    const read = await complete(db, rows, undefined, options.connectivity ?? true);
    docs.push(...read.docs);
    for (const [thing, groups] of read.dynamic) dynamic.set(thing, groups);
  }
  return { docs: docs.sort((a, b) => (a.thingName < b.thingName ? -1 : 1)), dynamic };
}

/**
 * Up to `limit` documents after the thing named `after` (from the first when
 * undefined), in name order, with each thing's dynamic groups. `lock`: the
 * things' rows FOR UPDATE (PostgreSQL), so registry changes to them wait for
 * the caller's transaction.
 */
export async function documentsPage(db: Db, after: string | undefined, limit: number, lock = false): Promise<{ docs: ThingDocument[]; dynamic: Map<string, Set<string>>; last?: string }> {
  let query = db.selectFrom('iot_things').select(['thing_name', 'thing_id', 'thing_type_name']).orderBy('thing_name').limit(limit);
  if (after !== undefined) query = query.where('thing_name', '>', after);
  if (lock) query = query.forUpdate();
  const rows = await query.execute();
  // The next page starts after the last row in the database's own order (its collation), whatever order the documents are in.
  const last = rows[rows.length - 1]?.thing_name;
  if (last === undefined) return complete(db, rows);
  return { ...(await complete(db, rows, { after, last })), last };
}

/** Every thing's document in name order, a chunk at a time. */
export async function* allDocuments(db: Db): AsyncGenerator<ThingDocument[]> {
  let after: string | undefined;
  for (;;) {
    const { docs, last } = await documentsPage(db, after, CHUNK);
    if (last === undefined) return;
    yield docs;
    after = last;
  }
}

/** A page's things as the database orders them: every name after `after` up to `last`. */
interface NameRange {
  after: string | undefined;
  last: string;
}

/**
 * The rows' documents. With `range` (the rows are every thing in it), the
 * related rows are read by range over their thing-name indexes, which costs
 * far less than matching hundreds of names one by one.
 */
async function complete(db: Db, rows: Array<{ thing_name: string; thing_id: string; thing_type_name: string | null }>, range?: NameRange, withConnectivity = true): Promise<{ docs: ThingDocument[]; dynamic: Map<string, Set<string>> }> {
  const dynamic = new Map<string, Set<string>>();
  if (rows.length === 0) return { docs: [], dynamic };
  const names = rows.map((r) => r.thing_name);
  const within = <Q extends { where: (...args: any[]) => Q }>(query: Q, column: string): Q => {
    if (!range) return query.where(column, 'in', names);
    const upTo = query.where(column, '<=', range.last);
    return range.after === undefined ? upTo : upTo.where(column, '>', range.after);
  };
  const attributes = await within(db.selectFrom('iot_thing_attributes').selectAll(), 'thing_name').execute();
  const groups = await within(
    db
      .selectFrom('iot_thing_group_members as m')
      .innerJoin('iot_thing_groups as g', 'g.group_name', 'm.group_name')
      .select(['m.thing_name', 'm.group_name', 'g.query_string'])
      .orderBy('m.group_name'),
    'm.thing_name',
  ).execute();
  const connectivity = withConnectivity ? await connectivityOf(db, names, range) : new Map<string, ThingConnectivityDoc>();
  const docs = new Map<string, ThingDocument>();
  for (const r of rows) {
    const doc: ThingDocument = {
      thingName: r.thing_name,
      thingId: r.thing_id,
      thingGroupNames: [],
      attributes: Object.create(null) as Record<string, string>,
      connectivity: connectivity.get(r.thing_name) ?? { connected: false },
    };
    if (r.thing_type_name !== null) doc.thingTypeName = r.thing_type_name;
    docs.set(r.thing_name, doc);
    dynamic.set(r.thing_name, new Set());
  }
  for (const a of attributes) {
    const doc = docs.get(a.thing_name);
    if (doc) doc.attributes[a.attr_name] = a.attr_value;
  }
  // thingGroupNames holds the static groups only: dynamic groups are defined by queries, never queried themselves.
  for (const g of groups) {
    if (g.query_string === null) docs.get(g.thing_name)?.thingGroupNames.push(g.group_name);
    else dynamic.get(g.thing_name)?.add(g.group_name);
  }
  return { docs: [...docs.values()].sort((a, b) => (a.thingName < b.thingName ? -1 : 1)), dynamic };
}

/**
 * A thing's connectivity is that of the client id equal to its name (AWS fleet
 * indexing's rule) or of a connection bound to it another way: a live one
 * first, then the latest.
 */
async function connectivityOf(db: Db, names: string[], range?: NameRange): Promise<Map<string, ThingConnectivityDoc>> {
  const rows = await db
    .selectFrom('mqtt_connectivity')
    .select(['client_id', 'thing_name', 'connected', 'connected_at', 'disconnected_at', 'disconnect_reason'])
    .where((eb) => {
      if (!range) return eb.or([eb('client_id', 'in', names), eb('thing_name', 'in', names)]);
      const inRange = (column: 'client_id' | 'thing_name') => eb.and([eb(column, '<=', range.last), ...(range.after === undefined ? [] : [eb(column, '>', range.after)])]);
      return eb.or([inRange('client_id'), inRange('thing_name')]);
    })
    .execute();
  const wanted = new Set(names);
  const best = new Map<string, (typeof rows)[number]>();
  for (const row of rows) {
    for (const thing of new Set([row.client_id, row.thing_name])) {
      if (thing === null || !wanted.has(thing)) continue;
      const current = best.get(thing);
      if (!current || row.connected - current.connected > 0 || (row.connected === current.connected && row.connected_at > current.connected_at)) best.set(thing, row);
    }
  }
  const out = new Map<string, ThingConnectivityDoc>();
  for (const [thing, row] of best) {
    const connected = row.connected === 1;
    const doc: ThingConnectivityDoc = { connected, timestamp: connected || row.disconnected_at === null ? row.connected_at : row.disconnected_at };
    if (!connected && row.disconnect_reason !== null) doc.disconnectReason = row.disconnect_reason;
    out.set(thing, doc);
  }
  return out;
}
