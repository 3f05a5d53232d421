/**
 * Keeps dynamic thing groups' members current. Incremental: a change to one
 * thing re-evaluates that thing against only the groups whose query reads
 * what changed (registry fields, static groups, connectivity) — never the
 * fleet — with one read of its document and current groups, and one write
 * transaction for whatever changes. A new or changed query is evaluated over
 * the whole fleet in the background (BUILDING / REBUILDING, then ACTIVE) as
 * stored, leased work (builds.ts): the groups due are evaluated together, a
 * page of things at a time, each page one transaction that also records how
 * far the evaluation got, so another node resumes it if this one dies.
 */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Registry } from '../registry/index.js';
import type { DynamicMembership as MembershipChange } from '../registry/thing-groups.js';
import type { SqlDialect } from '../store/db.js';
import type { Database } from '../store/schema.js';
import { claimBuilds, finishBuild, recordProgress, releaseOwn, type ClaimedBuild } from './builds.js';
import { documentsPage, documentsWithDynamicGroups } from './load.js';
import { fieldsOf, matches, parseQuery, type Query } from './query/index.js';

/** What about a thing changed. */
export type ChangeKind = 'registry' | 'groups' | 'connectivity';

/** The broker's side: tells when things' connectivity changed (the mqtt adapter implements it). */
export interface ConnectivityChanges {
  onChange(listener: (thingNames: string[]) => Promise<void>): () => void;
}

export interface MembershipDeps {
  db: Kysely<Database>;
  dialect: SqlDialect;
  clock: Clock;
  registry: Registry;
  logger: Logger;
  connectivity?: ConnectivityChanges | undefined;
  /** Who claims whole-fleet evaluations (the node id), for how long, and how often it looks for due ones. */
  builds?: { owner: string; leaseMs: number; intervalMs: number } | undefined;
  /** Things per evaluation step (one transaction, one lease renewal). */
  buildPage?: number | undefined;
}

interface DynamicGroupQuery {
  name: string;
  queryString: string;
  query: Query;
  reads: Set<ChangeKind>;
}

const ALL_KINDS: ChangeKind[] = ['registry', 'groups', 'connectivity'];
const DEFAULT_BUILDS = { owner: 'local', leaseMs: 30_000, intervalMs: 1000 };
const BUILD_PAGE = 500;
// How long after a query appears its evaluation waits for others to join it (real time, not the domain's clock).
const BURST_MS = 200;
// Groups evaluated together in one pass over the fleet.
const BUILDS_PER_PASS = 100;

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
  /** Per thing, a count of changes seen: an evaluation step leaves a thing that changed while it ran to that change's own evaluation. */
  private readonly generation = new Map<string, number>();
  private readonly queues = new Map<string, Promise<void>>();
  private readonly work = new Set<Promise<void>>();
  private stops: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;
  private held: Promise<void> | undefined;
  private building: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private soon: Promise<void> | undefined;
  private cached: Promise<DynamicGroupQuery[]> | undefined;
  private cacheVersion = 0;
  private release: (() => void) | undefined;

  constructor(private readonly deps: MembershipDeps) {}

  private get builds() {
    return this.deps.builds ?? DEFAULT_BUILDS;
  }

  start(): void {
    this.stopped = false;
    this.forgetGroups();
    const feed = this.deps.registry.feed;
    this.stops = [
      feed.on('thing-created', ({ thingName }) => this.changed(thingName, ALL_KINDS)),
      feed.on('thing-updated', ({ thingName }) => this.changed(thingName, ['registry'])),
      feed.on('thing-group-membership', async ({ thingName, groupName, member }) => {
        if (await this.isDynamic(groupName)) return;
        // Leaving a static group frees a place: a dynamic group the 10-group limit kept the thing out of may take it now.
        await this.changed(thingName, member ? ['groups'] : ALL_KINDS);
      }),
      // Every node hears it; the one that claims the evaluation does it.
      feed.on('dynamic-group-query', () => {
        this.forgetGroups();
        this.kickSoon();
      }),
      feed.on('thing-group-deleted', ({ dynamic }) => {
        if (dynamic) this.forgetGroups();
      }),
    ];
    if (this.deps.connectivity) {
      this.stops.push(this.deps.connectivity.onChange(async (things) => {
        for (const thing of things) await this.changed(thing, ['connectivity']);
      }));
    }
    // Due evaluations: those a stop or crash interrupted, and those whose holder died.
    this.timer = setInterval(() => this.kick(), this.builds.intervalMs);
    this.timer.unref();
    this.track(releaseOwn(this.deps.db, this.builds.owner).then(() => this.evaluateDue()));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.release?.();
    for (const stop of this.stops) stop();
    this.stops = [];
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
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
    this.release = () => {
      this.held = undefined;
      this.release = undefined;
      release();
    };
    return this.release;
  }

  /**
   * Looks for due evaluations shortly: groups created in a burst (an
   * infrastructure tool applying many) are claimed together and evaluated in
   * one pass over the fleet instead of one pass each.
   */
  private kickSoon(): void {
    if (this.soon) return;
    this.soon = new Promise<void>((resolve) => setTimeout(resolve, BURST_MS)).then(() => {
      this.soon = undefined;
      return this.evaluateDue();
    });
    this.track(this.soon);
  }

  /** Looks for due whole-fleet evaluations now (in the background; settled() waits for it). */
  kick(): void {
    this.track(this.evaluateDue());
  }

  /**
   * Claims the due whole-fleet evaluations and does them, one pass at a time on
   * this node. `maxSteps` stops after that many steps with the lease still held,
   * as a node that dies mid-evaluation leaves it (tests).
   */
  async evaluateDue(options: { maxSteps?: number; page?: number } = {}): Promise<void> {
    // A test's own steps go ahead of a hold; held ones wait, and do nothing once stopped.
    if (options.maxSteps === undefined) await this.held;
    if (this.stopped) return;
    if (this.building) {
      this.again = true;
      return this.building;
    }
    this.building = (async () => {
      try {
        do {
          this.again = false;
          const claimed = await claimBuilds(this.deps.db, this.deps.dialect, { nowMs: this.deps.clock.now(), limit: BUILDS_PER_PASS, owner: this.builds.owner, leaseMs: this.builds.leaseMs });
          // Groups resumed from different places go in separate passes; most start together from the first thing.
          const byStart = new Map<string | undefined, ClaimedBuild[]>();
          for (const b of claimed) byStart.set(b.after, [...(byStart.get(b.after) ?? []), b]);
          for (const [after, builds] of byStart) await this.pass(builds, after, options);
          if (claimed.length === BUILDS_PER_PASS) this.again = true;
        } while (this.again && options.maxSteps === undefined);
      } catch (error) {
        this.deps.logger.error({ err: error }, 'dynamic thing group evaluation failed');
      } finally {
        this.building = undefined;
      }
    })();
    return this.building;
  }

  /** Evaluates these groups' queries over the things after `after`, a page per step, then marks them ACTIVE. */
  private async pass(claimed: ClaimedBuild[], after: string | undefined, { maxSteps, page }: { maxSteps?: number; page?: number }): Promise<void> {
    let held = claimed.map((b) => ({ build: b, query: parseQuery(b.queryString) }));
    let cursor = after;
    for (let step = 0; held.length > 0; step++) {
      if (maxSteps !== undefined && step >= maxSteps) return;
      if (this.stopped) return;
      const result = await this.step(held, cursor, page ?? this.deps.buildPage ?? BUILD_PAGE);
      held = result.held;
      await this.deps.registry.thingGroups.announceDynamic(result.applied);
      if (result.last === undefined) break;
      cursor = result.last;
    }
    for (const { build } of held) await finishBuild(this.deps.db, build, this.builds.owner);
  }

  /** One page of things evaluated against every group still held, in one transaction with the progress it records. */
  private async step(held: Array<{ build: ClaimedBuild; query: Query }>, cursor: string | undefined, size: number) {
    const owner = this.builds.owner;
    return this.deps.db.transaction().execute(async (trx) => {
      const page = await documentsPage(trx, cursor, size, this.deps.dialect === 'postgres');
      const seen = new Map(page.docs.map((d) => [d.thingName, this.generation.get(d.thingName) ?? 0]));
      const still: typeof held = [];
      for (const h of held) {
        const ok = page.last === undefined || (await recordProgress(trx, h.build, owner, page.last, this.deps.clock.now() + this.builds.leaseMs));
        if (ok) still.push(h);
      }
      const changes: MembershipChange[] = [];
      for (const doc of page.docs) {
        const current = page.dynamic.get(doc.thingName)!;
        for (const { build, query } of still) {
          const member = matches(query, doc);
          if (member !== current.has(build.name)) changes.push({ groupName: build.name, thingName: doc.thingName, member });
        }
      }
      // A thing that changed while the page was read is left to that change's own evaluation (queued after it).
      const fresh = changes.filter((c) => (this.generation.get(c.thingName) ?? 0) === seen.get(c.thingName));
      const applied = await this.deps.registry.thingGroups.setDynamicMembers(trx, fresh);
      return { held: still, applied, last: page.last };
    });
  }

  /** One thing changed: the groups reading what changed are evaluated for it, in order per thing. */
  private changed(thingName: string, kinds: ChangeKind[]): Promise<void> {
    this.generation.set(thingName, (this.generation.get(thingName) ?? 0) + 1);
    return this.inOrder(thingName, async () => {
      const groups = (await this.groups()).filter((g) => kinds.some((k) => g.reads.has(k)));
      if (groups.length === 0) return;
      // Connectivity is read only when one of these queries reads it (or every field).
      const connectivity = groups.some((g) => g.reads.has('connectivity'));
      const { docs, dynamic } = await documentsWithDynamicGroups(this.deps.db, [thingName], { connectivity });
      const doc = docs[0];
      if (!doc) return;
      const current = dynamic.get(thingName)!;
      const changes = groups.flatMap((g) => {
        const member = matches(g.query, doc);
        return member === current.has(g.name) ? [] : [{ groupName: g.name, thingName, member }];
      });
      if (changes.length === 0) return;
      const thingGroups = this.deps.registry.thingGroups;
      const applied = await this.deps.db.transaction().execute((trx) => thingGroups.setDynamicMembers(trx, changes));
      await thingGroups.announceDynamic(applied);
    });
  }

  /**
   * The dynamic groups and their parsed queries, read once and kept until a
   * query appears or changes or a group is deleted (the feed tells every node).
   */
  private groups(): Promise<DynamicGroupQuery[]> {
    if (this.cached) return this.cached;
    const version = this.cacheVersion;
    const reading = this.readGroups();
    this.cached = reading;
    // A change heard while reading: the next caller reads again.
    void reading.then(() => {
      if (this.cacheVersion !== version && this.cached === reading) this.cached = undefined;
    }, () => {
      if (this.cached === reading) this.cached = undefined;
    });
    return reading;
  }

  private forgetGroups(): void {
    this.cacheVersion++;
    this.cached = undefined;
  }

  private async readGroups(): Promise<DynamicGroupQuery[]> {
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
