import type { FerryMigration } from './types.js';

/** The objects tables (see ../tables/objects.ts). */
export const objectsMigration: FerryMigration = {
  name: '002-objects',
  async up() {},
};
