import type { FerryMigration } from './types.js';

/** The iam tables (see ../tables/iam.ts). */
export const iamMigration: FerryMigration = {
  name: '004-iam',
  async up() {},
};
