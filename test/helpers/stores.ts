import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { openStore, type Store } from '../../src/store/db.js';
import { pgSkipReason, pgTestSchema } from './postgres.js';
import { tempDir } from './temp.js';

export type Engine = 'sqlite' | 'postgres';

/** Every storage engine, with the reason it is skipped here (PostgreSQL needs FERRY_TEST_PG_URL). */
export function engines(): Array<{ engine: Engine; skip: string | false }> {
  return [
    { engine: 'sqlite', skip: false },
    { engine: 'postgres', skip: pgSkipReason() },
  ];
}

/** A migrated, empty store on `engine`; `dispose` closes it and removes its data. */
export async function openTestStore(engine: Engine): Promise<{ store: Store; dispose(): Promise<void> }> {
  if (engine === 'sqlite') {
    const dir = tempDir('ferry-store-');
    const store = await openStore({ sqlitePath: join(dir, 'ferry.db') });
    return {
      store,
      dispose: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const pg = await pgTestSchema();
  const store = await openStore({ databaseUrl: pg.url, sqlitePath: '', pgSchema: pg.schema });
  return {
    store,
    dispose: async () => {
      await store.close();
      await pg.drop();
    },
  };
}
