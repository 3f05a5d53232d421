import type { Kysely, Transaction } from 'kysely';
import type { Clock } from '../clock.js';
import type { Database } from '../store/schema.js';
import type { SqlDialect } from '../store/db.js';
import type { Arns } from './arns.js';
import type { ChangeFeed } from './change-feed.js';

/** The certificate authority that signs certificates Ferry issues (CreateKeysAndCertificate, CSRs). */
export interface IssuingCa {
  certificatePem: string;
  privateKeyPem: string;
}

/** What every part of the registry is built from. */
export interface RegistryDeps {
  db: Kysely<Database>;
  dialect: SqlDialect;
  clock: Clock;
  arns: Arns;
  feed: ChangeFeed;
  ca: IssuingCa;
}

export type Db = Kysely<Database> | Transaction<Database>;

/** True when a database error is a unique/primary-key violation (both engines). */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE';
}

export const toBool = (n: number): boolean => n !== 0;
export const fromBool = (b: boolean): number => (b ? 1 : 0);

export function parseJsonObject(text: string | null): Record<string, string> {
  if (!text) return {};
  const value = JSON.parse(text) as unknown;
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, string>) : {};
}
