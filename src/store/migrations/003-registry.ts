import type { FerryMigration } from './types.js';

/** The registry tables (see ../tables/registry.ts). */
export const registryMigration: FerryMigration = {
  name: '003-registry',
  async up() {},
};
