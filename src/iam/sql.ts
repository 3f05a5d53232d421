import { sql, type RawBuilder } from 'kysely';

/** `column` starts with `prefix`, literally (no LIKE wildcards), on SQLite and PostgreSQL alike. */
export function startsWith(column: string, prefix: string): RawBuilder<boolean> {
  return sql<boolean>`substr(${sql.ref(column)}, 1, ${prefix.length}) = ${prefix}`;
}
