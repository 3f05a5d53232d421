import { invalidInput, limitExceeded, notFound } from '../errors.js';
import { parseIotArn } from './arns.js';
import type { Db, RegistryDeps } from './deps.js';
import { DEFAULT_PAGE, decodeToken, isString, pageOf, type Page } from './paging.js';
import type { Tag } from './types.js';
import { tagKey, tagValue } from './validate.js';

/** Whether the resource named in an ARN exists. */
export type ResourceExists = (name: string) => Promise<boolean>;

// AWS's limit of user tags per resource.
const MAX_TAGS = 50;

/**
 * Tags on any IoT resource, keyed by ARN. The registry knows its own resource
 * kinds; other parts (role aliases, jobs) register theirs with `registerType`.
 */
export class Tags {
  private readonly types = new Map<string, ResourceExists>();

  constructor(private readonly deps: RegistryDeps) {}

  registerType(type: string, exists: ResourceExists): void {
    this.types.set(type, exists);
  }

  async tag(arn: string, tags: Tag[]): Promise<void> {
    await this.requireResource(arn);
    await this.deps.db.transaction().execute(async (trx) => {
      await this.put(trx, arn, tags);
      const count = await trx.selectFrom('iot_tags').select((eb) => eb.fn.countAll<string>().as('n')).where('resource_arn', '=', arn).executeTakeFirstOrThrow();
      if (Number(count.n) > MAX_TAGS) throw limitExceeded('tag', `A resource can have at most ${MAX_TAGS} tags.`);
    });
  }

  async untag(arn: string, keys: string[]): Promise<void> {
    await this.requireResource(arn);
    if (keys.length === 0) return;
    await this.deps.db.deleteFrom('iot_tags').where('resource_arn', '=', arn).where('tag_key', 'in', keys).execute();
  }

  async list(arn: string, token?: string): Promise<Page<Tag>> {
    await this.requireResource(arn);
    const after = decodeToken(token, isString);
    let query = this.deps.db.selectFrom('iot_tags').selectAll().where('resource_arn', '=', arn);
    if (after !== undefined) query = query.where('tag_key', '>', after);
    const rows = await query.orderBy('tag_key').limit(DEFAULT_PAGE + 1).execute();
    return pageOf(rows, DEFAULT_PAGE, (r) => r.tag_key, (r) => ({ key: r.tag_key, value: r.tag_value }));
  }

  /** The resource's tags as a map (aws:ResourceTag/… of the authorizer); undefined when it has none. */
  async tagsOf(arn: string): Promise<Record<string, string> | undefined> {
    const rows = await this.deps.db.selectFrom('iot_tags').select(['tag_key', 'tag_value']).where('resource_arn', '=', arn).execute();
    return rows.length === 0 ? undefined : Object.fromEntries(rows.map((r) => [r.tag_key, r.tag_value]));
  }

  /** Sets tags inside a creating transaction (CreateThingGroup, CreatePolicy… take `tags`). */
  async put(db: Db, arn: string, tags: Tag[]): Promise<void> {
    if (tags.length > MAX_TAGS) throw limitExceeded('tag', `A resource can have at most ${MAX_TAGS} tags.`);
    for (const tag of tags) {
      const key = tagKey(tag.key);
      const value = tagValue(tag.value, key);
      await db
        .insertInto('iot_tags')
        .values({ resource_arn: arn, tag_key: key, tag_value: value })
        .onConflict((oc) => oc.columns(['resource_arn', 'tag_key']).doUpdateSet({ tag_value: value }))
        .execute();
    }
  }

  async removeAll(db: Db, arn: string): Promise<void> {
    await db.deleteFrom('iot_tags').where('resource_arn', '=', arn).execute();
  }

  private async requireResource(arn: string): Promise<void> {
    const parsed = parseIotArn(arn);
    const { region, accountId } = this.deps.arns;
    if (!parsed || parsed.region !== region || parsed.accountId !== accountId) {
      throw invalidInput(`${arn} is not an IoT resource ARN of this account and region.`);
    }
    const exists = this.types.get(parsed.type);
    if (!exists) throw invalidInput(`Resources of type ${parsed.type} cannot be tagged.`);
    if (!(await exists(parsed.name))) throw notFound(parsed.type, `The resource ${arn} does not exist.`);
  }
}
