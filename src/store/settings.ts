import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Reads a setting, or creates it with `create()` when absent; safe when several nodes start at once. */
export async function getOrCreateSetting(db: Kysely<Database>, name: string, create: () => string): Promise<string> {
  const existing = await db.selectFrom('ferry_settings').select('value').where('name', '=', name).executeTakeFirst();
  if (existing) return existing.value;
  await db.insertInto('ferry_settings').values({ name, value: create() }).onConflict((oc) => oc.column('name').doNothing()).execute();
  const row = await db.selectFrom('ferry_settings').select('value').where('name', '=', name).executeTakeFirstOrThrow();
  return row.value;
}

export async function getSetting(db: Kysely<Database>, name: string): Promise<string | undefined> {
  const row = await db.selectFrom('ferry_settings').select('value').where('name', '=', name).executeTakeFirst();
  return row?.value;
}

export async function putSetting(db: Kysely<Database>, name: string, value: string): Promise<void> {
  await db.insertInto('ferry_settings').values({ name, value }).onConflict((oc) => oc.column('name').doUpdateSet({ value })).execute();
}
