import type { Kysely } from 'kysely';

export type SqlDialect = 'sqlite' | 'postgres';

/** A versioned migration. `dialect` lets the rare engine-specific statement branch. */
export interface FerryMigration {
  name: string;
  up(db: Kysely<any>, dialect: SqlDialect): Promise<void>;
}
