/**
 * A connection kit as one zip (the console's download): the files in one folder named for
 * the thing, with their Unix modes, so `unzip` gives the same kit `ferry thing create --kit`
 * writes — the private key 0600, start.sh executable.
 */
import { zipSync, type Zippable } from 'fflate';
import type { KitFile } from '../cli/kit.js';

const UNIX = 3;
const REGULAR_FILE = 0o100000;

/** A folder name that is safe on every file system (thing names may hold `:`). */
export const kitFolderName = (thingName: string) => `${thingName.replace(/[^A-Za-z0-9_.-]/g, '_')}-kit`;

export function kitZip(thingName: string, files: KitFile[], mtime: Date): Uint8Array {
  const folder = kitFolderName(thingName);
  const entries: Zippable = {};
  for (const file of files) {
    const data = typeof file.data === 'string' ? new TextEncoder().encode(file.data) : new Uint8Array(file.data.buffer, file.data.byteOffset, file.data.byteLength);
    entries[`${folder}/${file.name}`] = [data, { os: UNIX, attrs: ((REGULAR_FILE | file.mode) << 16) >>> 0, mtime }];
  }
  return zipSync(entries, { level: 6 });
}
