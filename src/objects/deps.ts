import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Database } from '../store/schema.js';
import type { SqlDialect } from '../store/db.js';
import type { AccessPolicySource } from './access.js';
import type { BlobStore } from './blob-store.js';
import type { ObjectLeases } from './leases.js';
import type { TrashCollector } from './trash.js';

/** What the object store's functions work with. */
export interface ObjectsDeps {
  db: Kysely<Database>;
  dialect: SqlDialect;
  blobs: BlobStore;
  clock: Clock;
  logger: Logger;
  /** The region buckets are made in (the server's). */
  region: string;
  leases: ObjectLeases;
  trash: TrashCollector;
  /** The current policy source (IAM may install one after start). */
  policies(): AccessPolicySource;
}

export type Db = Kysely<Database> | Transaction<Database>;

/** `SELECT … FOR UPDATE` where the engine has it (SQLite serialises writers anyway). */
export function lockRows<Q extends { forUpdate(): Q }>(dialect: SqlDialect, query: Q): Q {
  return dialect === 'postgres' ? query.forUpdate() : query;
}
