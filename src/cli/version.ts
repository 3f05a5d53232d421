import { readFileSync } from 'node:fs';

/** Ferry's version, from its package.json (two levels above src/cli and dist/cli alike). */
export function ferryVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}
