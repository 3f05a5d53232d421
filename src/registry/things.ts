import { alreadyExists, invalidInput, notFound, versionConflict } from '../errors.js';
import { newUuid } from '../ids.js';
import type { IotThingsTable } from '../store/tables/registry.js';
import { applyPayload, checkAttributeCount, sameAttributes, validAttributes, withoutEmpty, type AttributePayload } from './attributes.js';
import { isUniqueViolation, type Db, type RegistryDeps } from './deps.js';
import { DEFAULT_PAGE, decodeToken, isString, pageOf, type Page, type PageRequest } from './paging.js';
import type { Tags } from './tags.js';
import type { ThingTypes } from './thing-types.js';
import type { Thing } from './types.js';
import { thingName } from './validate.js';
import { dictionary } from '../records.js';

export interface CreateThingInput {
  name: string;
  typeName?: string | undefined;
  attributes?: Record<string, string> | undefined;
  billingGroupName?: string | undefined;
}

export interface UpdateThingInput {
  typeName?: string | undefined;
  removeThingType?: boolean | undefined;
  attributePayload?: AttributePayload | undefined;
  expectedVersion?: number | undefined;
}

export interface ListThingsRequest extends PageRequest {
  attributeName?: string | undefined;
  attributeValue?: string | undefined;
  usePrefixAttributeValue?: boolean | undefined;
  typeName?: string | undefined;
}

/** Things: Create (idempotent for an identical request), Describe, List, Update, Delete. */
export class Things {
  constructor(
    private readonly deps: RegistryDeps,
    private readonly types: ThingTypes,
    private readonly tags: Tags,
  ) {}

  /** aws-wire-protocols.md §3.3: the same name and configuration answers the existing thing. */
  async create(input: CreateThingInput): Promise<Thing> {
    thingName(input.name);
    if (input.billingGroupName !== undefined) throw invalidInput('Billing groups are not supported by Ferry.');
    const attributes = withoutEmpty(validAttributes(input.attributes));
    const existing = await this.get(this.deps.db, input.name);
    if (existing) {
      if (existing.typeName === input.typeName && sameAttributes(existing.attributes, attributes)) return existing;
      throw alreadyExists('thing', `Thing ${input.name} already exists in account with different attributes`);
    }
    if (input.typeName !== undefined) await this.usableType(input.typeName, 'create a thing with');
    checkAttributeCount(attributes, input.typeName !== undefined);
    const now = this.deps.clock.now();
    const row: IotThingsTable = {
      thing_name: input.name,
      thing_id: newUuid(),
      thing_type_name: input.typeName ?? null,
      version: 1,
      created_at: now,
      modified_at: now,
    };
    try {
      await this.deps.db.transaction().execute(async (trx) => {
        await trx.insertInto('iot_things').values(row).execute();
        await this.writeAttributes(trx, input.name, attributes);
      });
    } catch (error) {
      // Someone created it meanwhile: answer as if we had come second.
      if (isUniqueViolation(error)) return this.create(input);
      throw error;
    }
    await this.deps.feed.emit('thing-created', { thingName: input.name });
    return this.toThing(row, attributes);
  }

  async describe(name: string): Promise<Thing> {
    const thing = await this.get(this.deps.db, name);
    if (!thing) throw notFound('thing', `Thing ${name} does not exist`);
    return thing;
  }

  async get(db: Db, name: string): Promise<Thing | undefined> {
    const row = await db.selectFrom('iot_things').selectAll().where('thing_name', '=', name).executeTakeFirst();
    if (!row) return undefined;
    const attributes = await this.attributesOf(db, [name]);
    return this.toThing(row, attributes.get(name) ?? dictionary());
  }

  async exists(name: string): Promise<boolean> {
    const row = await this.deps.db.selectFrom('iot_things').select('thing_name').where('thing_name', '=', name).executeTakeFirst();
    return row !== undefined;
  }

  async list(request: ListThingsRequest): Promise<Page<Thing>> {
    const limit = request.limit ?? DEFAULT_PAGE;
    const after = decodeToken(request.token, isString);
    let query = this.deps.db.selectFrom('iot_things').selectAll('iot_things');
    if (after !== undefined) query = query.where('iot_things.thing_name', '>', after);
    if (request.typeName !== undefined) query = query.where('iot_things.thing_type_name', '=', request.typeName);
    if (request.attributeName !== undefined) {
      const name = request.attributeName;
      const value = request.attributeValue ?? '';
      query = query.where((eb) =>
        eb.exists(
          eb
            .selectFrom('iot_thing_attributes as a')
            .select('a.thing_name')
            .whereRef('a.thing_name', '=', 'iot_things.thing_name')
            .where('a.attr_name', '=', name)
            .where((sub) =>
              request.usePrefixAttributeValue
                ? sub(sub.fn('substr', ['a.attr_value', sub.val(1), sub.val(value.length)]), '=', value)
                : sub('a.attr_value', '=', value),
            ),
        ),
      );
    }
    const rows = await query.orderBy('iot_things.thing_name').limit(limit + 1).execute();
    const attributes = await this.attributesOf(this.deps.db, rows.slice(0, limit).map((r) => r.thing_name));
    return pageOf(rows, limit, (r) => r.thing_name, (r) => this.toThing(r, attributes.get(r.thing_name) ?? dictionary()));
  }

  async update(name: string, input: UpdateThingInput): Promise<Thing> {
    if (input.typeName !== undefined && input.removeThingType) {
      throw invalidInput('Specify either thingTypeName or removeThingType, not both.');
    }
    const thing = await this.describe(name);
    if (input.expectedVersion !== undefined && input.expectedVersion !== thing.version) {
      throw versionConflict('thing', `The version for thing ${name} does not match the expected version.`);
    }
    if (input.typeName !== undefined && input.typeName !== thing.typeName) await this.usableType(input.typeName, 'update a thing to use');
    const typeName = input.removeThingType ? undefined : (input.typeName ?? thing.typeName);
    const attributes = input.attributePayload ? applyPayload(thing.attributes, input.attributePayload) : thing.attributes;
    checkAttributeCount(attributes, typeName !== undefined);
    const modifiedAt = this.deps.clock.now();
    const updated = await this.deps.db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('iot_things')
        .set({ thing_type_name: typeName ?? null, version: thing.version + 1, modified_at: modifiedAt })
        .where('thing_name', '=', name)
        .where('version', '=', thing.version)
        .executeTakeFirst();
      if (result.numUpdatedRows === 0n) return false;
      await this.writeAttributes(trx, name, attributes);
      return true;
    });
    if (!updated) throw versionConflict('thing', `The version for thing ${name} does not match the expected version.`);
    await this.deps.feed.emit('thing-updated', { thingName: name });
    const next: Thing = { ...thing, attributes, version: thing.version + 1, modifiedAt };
    if (typeName === undefined) delete next.typeName;
    else next.typeName = typeName;
    return next;
  }

  /**
   * aws-wire-protocols.md §3.3: deleting a thing that does not exist succeeds; a thing
   * with principals attached is refused (InvalidRequestException, as AWS words it).
   */
  async delete(name: string, expectedVersion?: number): Promise<void> {
    thingName(name);
    const thing = await this.get(this.deps.db, name);
    if (!thing) return;
    if (expectedVersion !== undefined && expectedVersion !== thing.version) {
      throw versionConflict('thing', `The version for thing ${name} does not match the expected version.`);
    }
    const principal = await this.deps.db.selectFrom('iot_thing_principals').select('principal').where('thing_name', '=', name).executeTakeFirst();
    if (principal) throw invalidInput(`Cannot delete. Thing ${name} is still attached to one or more principals`);
    await this.deps.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('iot_things').where('thing_name', '=', name).execute();
      await trx.deleteFrom('iot_thing_attributes').where('thing_name', '=', name).execute();
      await trx.deleteFrom('iot_thing_group_members').where('thing_name', '=', name).execute();
      await this.tags.removeAll(trx, thing.arn);
    });
    await this.deps.feed.emit('thing-deleted', { thingName: name });
  }

  private async usableType(typeName: string, verb: string): Promise<void> {
    const type = await this.types.get(this.deps.db, typeName);
    if (!type) throw notFound('thing-type', `Thing type ${typeName} does not exist.`);
    if (type.deprecated) throw invalidInput(`Can not ${verb} deprecated thing type: ${typeName}`);
  }

  private async writeAttributes(db: Db, name: string, attributes: Record<string, string>): Promise<void> {
    await db.deleteFrom('iot_thing_attributes').where('thing_name', '=', name).execute();
    const rows = Object.entries(attributes).map(([attr_name, attr_value]) => ({ thing_name: name, attr_name, attr_value }));
    if (rows.length > 0) await db.insertInto('iot_thing_attributes').values(rows).execute();
  }

  private async attributesOf(db: Db, names: string[]): Promise<Map<string, Record<string, string>>> {
    const out = new Map<string, Record<string, string>>();
    if (names.length === 0) return out;
    const rows = await db.selectFrom('iot_thing_attributes').selectAll().where('thing_name', 'in', names).orderBy('attr_name').execute();
    for (const row of rows) {
      const map = out.get(row.thing_name) ?? dictionary<string>();
      map[row.attr_name] = row.attr_value;
      out.set(row.thing_name, map);
    }
    return out;
  }

  private toThing(row: IotThingsTable, attributes: Record<string, string>): Thing {
    const thing: Thing = {
      name: row.thing_name,
      id: row.thing_id,
      arn: this.deps.arns.thing(row.thing_name),
      attributes,
      version: row.version,
      createdAt: row.created_at,
      modifiedAt: row.modified_at,
    };
    if (row.thing_type_name !== null) thing.typeName = row.thing_type_name;
    return thing;
  }
}
