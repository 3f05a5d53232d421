import pg from 'pg';
import { randomBytes } from 'node:crypto';

export const PG_URL = process.env.FERRY_TEST_PG_URL;

let warned = false;
/** The reason PostgreSQL tests skip, printed once so a skip is never silent. */
export function pgSkipReason(): string | false {
  if (PG_URL) return false;
  if (!warned) {
    warned = true;
    process.stdout.write('# PostgreSQL tests skipped: FERRY_TEST_PG_URL is not set (.ci/run sets it)\n');
  }
  return 'FERRY_TEST_PG_URL is not set';
}

/** A fresh schema for one test run, dropped afterwards. */
export async function pgTestSchema(): Promise<{ url: string; schema: string; drop(): Promise<void> }> {
  if (!PG_URL) throw new Error('FERRY_TEST_PG_URL is not set');
  const schema = `ferry_test_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  await client.query(`CREATE SCHEMA ${schema}`);
  await client.end();
  return {
    url: PG_URL,
    schema,
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    },
  };
}
