import type { FerryMigration } from './types.js';

/** The mqtt tables (see ../tables/mqtt.ts). */
export const mqttMigration: FerryMigration = {
  name: '006-mqtt',
  async up() {},
};
