/**
 * Kysely's SQLite driver prepares every query's SQL anew; on a busy server
 * that preparing was the largest single cost in the jobs phase of the fleet
 * benchmark (better-sqlite3 `prepare`, 11.6 % of the server's CPU). Kysely
 * emits the same SQL text for the same query shape, so prepared statements
 * are kept by their text and reused. A statement still being iterated
 * (a streamed query) is never handed out twice: a fresh one is prepared.
 */
import type { Database as BetterSqlite3Database, Statement } from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/** Distinct SQL texts kept; Ferry's queries are a few hundred shapes (IN-lists vary by length). */
const MAX_STATEMENTS = 1000;

export function withStatementCache(database: BetterSqlite3Database, max = MAX_STATEMENTS): SqliteDatabase {
  const statements = new Map<string, Statement>();
  return {
    close: () => {
      statements.clear();
      database.close();
    },
    prepare: (sql) => {
      const cached = statements.get(sql);
      if (cached && !cached.busy) return cached;
      const statement = database.prepare(sql);
      if (!cached) {
        statements.set(sql, statement);
        // Oldest first out: Map keeps insertion order.
        if (statements.size > max) statements.delete(statements.keys().next().value!);
      }
      return statement;
    },
  };
}
