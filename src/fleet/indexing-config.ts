/**
 * The fleet-indexing configuration (GetIndexingConfiguration /
 * UpdateIndexingConfiguration). On AWS the index is a paid add-on, off until
 * configured; in Ferry it is always built, so it starts on (registry and
 * connectivity status). What an operator sets is kept and answered back
 * (Terraform and CDK read their writes); turning thing indexing OFF takes
 * the AWS_Things index away, which AWS refuses while dynamic groups exist.
 */
import type { Kysely } from 'kysely';
import { invalidInput } from '../errors.js';
import type { Database } from '../store/schema.js';

export const THING_INDEXING_MODES = ['OFF', 'REGISTRY', 'REGISTRY_AND_SHADOW'] as const;
export const CONNECTIVITY_MODES = ['OFF', 'STATUS'] as const;
export const GROUP_INDEXING_MODES = ['OFF', 'ON'] as const;

/** The configuration, in the model's own shapes (ThingIndexingConfiguration, ThingGroupIndexingConfiguration). */
export interface IndexingConfiguration {
  thingIndexingConfiguration: Record<string, unknown> & { thingIndexingMode: string; thingConnectivityIndexingMode?: string };
  thingGroupIndexingConfiguration: Record<string, unknown> & { thingGroupIndexingMode: string };
}

const SETTING = 'fleet-indexing-configuration';
const DEFAULT: IndexingConfiguration = {
  thingIndexingConfiguration: { thingIndexingMode: 'REGISTRY', thingConnectivityIndexingMode: 'STATUS' },
  thingGroupIndexingConfiguration: { thingGroupIndexingMode: 'OFF' },
};

export async function readIndexingConfiguration(db: Kysely<Database>): Promise<IndexingConfiguration> {
  const row = await db.selectFrom('ferry_settings').select('value').where('name', '=', SETTING).executeTakeFirst();
  return row ? (JSON.parse(row.value) as IndexingConfiguration) : structuredClone(DEFAULT);
}

/** Applies the parts given (each replaces its part whole, as on AWS); `dynamicGroups` is how many exist. */
export async function updateIndexingConfiguration(
  db: Kysely<Database>,
  update: { thingIndexingConfiguration?: unknown; thingGroupIndexingConfiguration?: unknown },
  dynamicGroups: number,
): Promise<void> {
  const config = await readIndexingConfiguration(db);
  if (update.thingIndexingConfiguration !== undefined) {
    const thing = objectIn(update.thingIndexingConfiguration, 'thingIndexingConfiguration');
    oneOf(thing.thingIndexingMode, THING_INDEXING_MODES, 'thingIndexingConfiguration.thingIndexingMode', true);
    oneOf(thing.thingConnectivityIndexingMode, CONNECTIVITY_MODES, 'thingIndexingConfiguration.thingConnectivityIndexingMode', false);
    if (thing.thingIndexingMode === 'OFF' && dynamicGroups > 0) {
      throw invalidInput(`Thing indexing cannot be turned off while ${dynamicGroups} dynamic thing group(s) exist: delete them first.`);
    }
    config.thingIndexingConfiguration = thing as IndexingConfiguration['thingIndexingConfiguration'];
  }
  if (update.thingGroupIndexingConfiguration !== undefined) {
    const group = objectIn(update.thingGroupIndexingConfiguration, 'thingGroupIndexingConfiguration');
    oneOf(group.thingGroupIndexingMode, GROUP_INDEXING_MODES, 'thingGroupIndexingConfiguration.thingGroupIndexingMode', true);
    config.thingGroupIndexingConfiguration = group as IndexingConfiguration['thingGroupIndexingConfiguration'];
  }
  const value = JSON.stringify(config);
  await db.insertInto('ferry_settings').values({ name: SETTING, value }).onConflict((oc) => oc.column('name').doUpdateSet({ value })).execute();
}

export const thingIndexOn = (c: IndexingConfiguration) => c.thingIndexingConfiguration.thingIndexingMode !== 'OFF';
export const connectivityOn = (c: IndexingConfiguration) => c.thingIndexingConfiguration.thingConnectivityIndexingMode === 'STATUS';

function objectIn(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidInput(`${field} must be an object.`);
  return { ...(value as Record<string, unknown>) };
}

function oneOf(value: unknown, allowed: readonly string[], field: string, required: boolean): void {
  if (value === undefined && !required) return;
  if (typeof value !== 'string' || !allowed.includes(value)) throw invalidInput(`${field} must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)}).`);
}
