/**
 * Keeps dynamic thing groups' members current. Incremental: a change to one
 * thing re-evaluates that thing against only the groups whose query reads
 * what changed (registry fields, static groups, connectivity) — never the
 * fleet. A new or changed query is evaluated over the whole fleet in the
 * background (BUILDING / REBUILDING, then ACTIVE).
 */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Registry } from '../registry/index.js';
import type { Database } from '../store/schema.js';
import { documentsOf, allDocuments } from './load.js';
import { fieldsOf, matches, parseQuery, type Query } from './query/index.js';

/** What about a thing changed. */
export type ChangeKind = 'registry' | 'groups' | 'connectivity';

/** The broker's side: tells when things' connectivity changed (the mqtt adapter implements it). */
export interface ConnectivityChanges {
  onChange(listener: (thingNames: string[]) => Promise<void>): () => void;
}

export interface MembershipDeps {
  db: Kysely<Database>;
  registry: Registry;
  logger: Logger;
  connectivity?: ConnectivityChanges | undefined;
  /** Work one node of a cluster does at a time (whole-fleet evaluations). */
  singleton?: { run(work: () => Promise<void>): Promise<boolean> } | undefined;
}

interface DynamicGroupQuery {
  name: string;
  queryString: string;
  query: Query;
  reads: Set<ChangeKind>;
}

function kindsRead(query: Query): Set<ChangeKind> {
  const out = new Set<ChangeKind>();
  for (const field of fieldsOf(query)) {
    if (field === '*') ['registry', 'groups', 'connectivity'].forEach((k) => out.add(k as ChangeKind));
    else if (field.startsWith('connectivity.')) out.add('connectivity');
    else if (field === 'thingGroupNames') out.add('groups');
    else out.add('registry');
  }
  return out;
}

export class DynamicMembership {
  private readonly parsed = new Map<string, DynamicGroupQuery>();
  /** Per thing, a count of changes seen: a whole-fleet pass skips a thing that changed since it read it. */
  private readonly generation = new Map<string, number>();
  private readonly queues = new Map<string, Promise<void>>();
  private readonly work = new Set<Promise<void>>();
  private stops: Array<() => void> = [];
  private held: Promise<void> | undefined;

  constructor(private readonly deps: MembershipDeps) {}

  start(): void {
    const feed = this.deps.registry.feed;
    this.stops = [
      feed.on('thing-created', ({ thingName }) => this.changed(thingName, ['registry', 'groups', 'connectivity'])),
      feed.on('thing-updated', ({ thingName }) => this.changed(thingName, ['registry'])),
      feed.on('thing-group-membership', async ({ thingName, groupName }) => {
        if (!(await this.isDynamic(groupName))) await this.changed(thingName, ['groups']);
      }),
      feed.on('dynamic-group-query', ({ groupName, queryString }) => {
        this.track(this.build(groupName, queryString));
      }),
    ];
    if (this.deps.connectivity) {
      this.stops.push(this.deps.connectivity.onChange(async (things) => {
        for (const thing of things) await this.changed(thing, ['connectivity']);
      }));
    }
    // Groups whose evaluation a stop or crash interrupted.
    this.track(
      this.deps.registry.dynamicGroups.all().then(async (groups) => {
        for (const g of groups) if (g.status !== 'ACTIVE') await this.build(g.name, g.queryString);
      }),
    );
  }

  async stop(): Promise<void> {
    for (const stop of this.stops) stop();
    this.stops = [];
    await this.settled();
  }

  /** Resolves once every evaluation begun so far is done. */
  async settled(): Promise<void> {
    while (this.work.size > 0 || this.queues.size > 0) await Promise.all([...this.work, ...this.queues.values()]);
  }

  /** Holds whole-fleet evaluations until the returned function is called (lets a test see BUILDING). */
  holdBuilds(): () => void {
    let release!: () => void;
    this.held = new Promise<void>((resolve) => (release = resolve));
    return () => {
      this.held = undefined;
      release();
    };
  }

  /** One thing changed: the groups reading what changed are evaluated for it, in order per thing. */
  private changed(thingName: string, kinds: ChangeKind[]): Promise<void> {
    this.generation.set(thingName, (this.generation.get(thingName) ?? 0) + 1);
    return this.inOrder(thingName, async () => {
      const groups = (await this.groups()).filter((g) => kinds.some((k) => g.reads.has(k)));
      if (groups.length === 0) return;
      const [doc] = await documentsOf(this.deps.db, [thingName]);
      if (!doc) return;
      const current = new Set(await this.dynamicGroupsOf(thingName));
      for (const g of groups) {
        const member = matches(g.query, doc);
        if (member !== current.has(g.name)) await this.deps.registry.thingGroups.setDynamicMember(g.name, thingName, member);
      }
    });
  }

  /** Evaluates one group's query over the whole fleet, then marks it ACTIVE. */
  private async build(groupName: string, queryString: string): Promise<void> {
    await this.held;
    const run = async () => {
      const query = parseQuery(queryString);
      const members = new Set(await this.deps.registry.dynamicGroups.members(groupName));
      const seen = new Set<string>();
      for await (const chunk of allDocuments(this.deps.db)) {
        const read = new Map(chunk.map((d) => [d.thingName, this.generation.get(d.thingName) ?? 0]));
        for (const doc of chunk) {
          seen.add(doc.thingName);
          const member = matches(query, doc);
          if (member === members.has(doc.thingName)) continue;
          await this.inOrder(doc.thingName, async () => {
            // Changed since read: its own evaluation (queued after the change) decides.
            if ((this.generation.get(doc.thingName) ?? 0) !== read.get(doc.thingName)) return;
            await this.deps.registry.thingGroups.setDynamicMember(groupName, doc.thingName, member);
          });
        }
      }
      for (const gone of members) if (!seen.has(gone)) await this.deps.registry.thingGroups.setDynamicMember(groupName, gone, false);
      await this.deps.registry.dynamicGroups.built(groupName, queryString);
    };
    try {
      await (this.deps.singleton ? this.deps.singleton.run(run) : run());
    } catch (error) {
      this.deps.logger.error({ err: error, groupName }, 'dynamic thing group evaluation failed');
    }
  }

  private async groups(): Promise<DynamicGroupQuery[]> {
    const rows = await this.deps.registry.dynamicGroups.all();
    return rows.map((r) => {
      let g = this.parsed.get(r.name);
      if (!g || g.queryString !== r.queryString) {
        const query = parseQuery(r.queryString);
        g = { name: r.name, queryString: r.queryString, query, reads: kindsRead(query) };
        this.parsed.set(r.name, g);
      }
      return g;
    });
  }

  private async isDynamic(groupName: string): Promise<boolean> {
    return (await this.groups()).some((g) => g.name === groupName);
  }

  private async dynamicGroupsOf(thingName: string): Promise<string[]> {
    const rows = await this.deps.db
      .selectFrom('iot_thing_group_members as m')
      .innerJoin('iot_thing_groups as g', 'g.group_name', 'm.group_name')
      .select('m.group_name')
      .where('m.thing_name', '=', thingName)
      .where('g.query_string', 'is not', null)
      .execute();
    return rows.map((r) => r.group_name);
  }

  private track(p: Promise<void>): void {
    const tracked = p.finally(() => this.work.delete(tracked));
    this.work.add(tracked);
  }

  private inOrder(thingName: string, work: () => Promise<void>): Promise<void> {
    const previous = this.queues.get(thingName) ?? Promise.resolve();
    const next = previous.then(work).catch((error: unknown) => {
      this.deps.logger.error({ err: error, thingName }, 'dynamic thing group membership update failed');
    });
    this.queues.set(thingName, next);
    void next.then(() => {
      if (this.queues.get(thingName) === next) this.queues.delete(thingName);
    });
    return next;
  }
}
