import { alreadyExists, invalidInput, notFound } from '../errors.js';
import { newUuid } from '../ids.js';
import type { IotThingTypesTable } from '../store/tables/registry.js';
import { fromBool, isUniqueViolation, toBool, type Db, type RegistryDeps } from './deps.js';
import { DEFAULT_PAGE, decodeToken, isString, pageOf, type Page, type PageRequest } from './paging.js';
import type { Tags } from './tags.js';
import type { Tag, ThingType } from './types.js';
import { attributeName, optionalString, thingTypeName } from './validate.js';

export interface ThingTypeProperties {
  description?: string | undefined;
  searchableAttributes?: string[] | undefined;
}

// DG thing-types.md: a deprecated thing type can be deleted five minutes after its deprecation.
export const DELETE_AFTER_DEPRECATION_MS = 5 * 60 * 1000;

/** Thing types: Create/Describe/List/Deprecate/Delete. */
export class ThingTypes {
  constructor(
    private readonly deps: RegistryDeps,
    private readonly tags: Tags,
  ) {}

  async create(name: string, properties: ThingTypeProperties, tags: Tag[] = []): Promise<ThingType> {
    thingTypeName(name);
    const props = validProperties(properties);
    const existing = await this.get(this.deps.db, name);
    if (existing) return sameProperties(existing, props) ? existing : this.conflict(name);
    const row: IotThingTypesTable = {
      thing_type_name: name,
      thing_type_id: newUuid(),
      description: props.description ?? null,
      searchable_attributes: JSON.stringify(props.searchableAttributes),
      deprecated: 0,
      deprecated_at: null,
      created_at: this.deps.clock.now(),
    };
    try {
      await this.deps.db.transaction().execute(async (trx) => {
        await trx.insertInto('iot_thing_types').values(row).execute();
        await this.tags.put(trx, this.deps.arns.thingType(name), tags);
      });
    } catch (error) {
      if (isUniqueViolation(error)) return this.create(name, properties);
      throw error;
    }
    return this.toThingType(row);
  }

  async describe(name: string): Promise<ThingType> {
    const type = await this.get(this.deps.db, name);
    if (!type) throw notFound('thing-type', `Thing type ${name} does not exist.`);
    return type;
  }

  async exists(name: string): Promise<boolean> {
    return (await this.get(this.deps.db, name)) !== undefined;
  }

  async get(db: Db, name: string): Promise<ThingType | undefined> {
    const row = await db.selectFrom('iot_thing_types').selectAll().where('thing_type_name', '=', name).executeTakeFirst();
    return row && this.toThingType(row);
  }

  /** `namePrefix` filters by name prefix, as AWS's thingTypeName filter does (MOTO notes it). */
  async list(request: PageRequest & { namePrefix?: string | undefined }): Promise<Page<ThingType>> {
    const limit = request.limit ?? DEFAULT_PAGE;
    const after = decodeToken(request.token, isString);
    let query = this.deps.db.selectFrom('iot_thing_types').selectAll();
    if (after !== undefined) query = query.where('thing_type_name', '>', after);
    if (request.namePrefix) {
      query = query.where((eb) => eb(eb.fn('substr', ['thing_type_name', eb.val(1), eb.val(request.namePrefix!.length)]), '=', request.namePrefix!));
    }
    const rows = await query.orderBy('thing_type_name').limit(limit + 1).execute();
    return pageOf(rows, limit, (r) => r.thing_type_name, (r) => this.toThingType(r));
  }

  async deprecate(name: string, undo: boolean): Promise<void> {
    await this.describe(name);
    await this.deps.db
      .updateTable('iot_thing_types')
      .set({ deprecated: fromBool(!undo), deprecated_at: undo ? null : this.deps.clock.now() })
      .where('thing_type_name', '=', name)
      .execute();
  }

  async delete(name: string): Promise<void> {
    const type = await this.describe(name);
    const now = this.deps.clock.now();
    if (!type.deprecated || type.deprecatedAt === undefined) {
      throw invalidInput(`Thing type ${name} must be deprecated before it can be deleted.`);
    }
    if (now - type.deprecatedAt < DELETE_AFTER_DEPRECATION_MS) {
      throw invalidInput(`Thing type ${name} can be deleted 5 minutes after its deprecation.`);
    }
    const user = await this.deps.db.selectFrom('iot_things').select('thing_name').where('thing_type_name', '=', name).executeTakeFirst();
    if (user) throw invalidInput(`Thing type ${name} cannot be deleted: thing ${user.thing_name} still has it.`);
    await this.deps.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('iot_thing_types').where('thing_type_name', '=', name).execute();
      await this.tags.removeAll(trx, this.deps.arns.thingType(name));
    });
  }

  private conflict(name: string): never {
    throw alreadyExists('thing-type', `Thing type ${name} already exists with different properties.`);
  }

  private toThingType(row: IotThingTypesTable): ThingType {
    const type: ThingType = {
      name: row.thing_type_name,
      id: row.thing_type_id,
      arn: this.deps.arns.thingType(row.thing_type_name),
      searchableAttributes: JSON.parse(row.searchable_attributes) as string[],
      deprecated: toBool(row.deprecated),
      createdAt: row.created_at,
    };
    if (row.description !== null) type.description = row.description;
    if (row.deprecated_at !== null) type.deprecatedAt = row.deprecated_at;
    return type;
  }
}

function validProperties(p: ThingTypeProperties): { description?: string; searchableAttributes: string[] } {
  const description = optionalString(p.description, 'thingTypeDescription', 2028);
  const searchable = (p.searchableAttributes ?? []).map(attributeName);
  // API_ThingTypeProperties / observed: "Only three searchable attributes are allowed for a thing type."
  if (searchable.length > 3) throw invalidInput('Only three searchable attributes are allowed for a thing type.');
  return description === undefined ? { searchableAttributes: searchable } : { description, searchableAttributes: searchable };
}

function sameProperties(type: ThingType, p: { description?: string; searchableAttributes: string[] }): boolean {
  return type.description === p.description && JSON.stringify(type.searchableAttributes) === JSON.stringify(p.searchableAttributes);
}
