import type { FerryMigration } from './types.js';

/** The jobs tables (see ../tables/jobs.ts). */
export const jobsMigration: FerryMigration = {
  name: '005-jobs',
  async up() {},
};
