import { randomBytes } from 'node:crypto';

/**
 * The story's names (DESIGN.md: miso_things_1, miso-role-alias, …). On a
 * server the demo did not start, a run id keeps them apart from what is there.
 */
export function demoNames(devices: number, shared: boolean) {
  const id = shared ? `-${randomBytes(3).toString('hex')}` : '';
  const base = `miso${id}`;
  const thingPrefix = `${base.replace(/-/g, '_')}_things_`;
  return {
    policy: `${base}-device`,
    roleAlias: `${base}-role-alias`,
    role: `${base}-role`,
    bucket: `${base}-firmware`,
    firmwareKey: 'firmware/miso-1.0.0.bin',
    documentKey: 'jobs/firmware-1.0.0.json',
    job: `${base}-firmware-1-0-0`,
    clientPrefix: thingPrefix,
    things: Array.from({ length: devices }, (_, i) => `${thingPrefix}${i + 1}`),
  };
}
export type DemoNames = ReturnType<typeof demoNames>;
