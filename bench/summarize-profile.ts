/**
 * `node --import tsx bench/summarize-profile.ts OUT/profile`: summarizes a
 * run's server CPU profile again (e.g. after changing profile.ts), by the
 * phases the run wrote to phases.json, on stdout.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readProfile, summarizeProfile, type PhaseWindow } from './profile.js';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: node --import tsx bench/summarize-profile.ts OUT/profile\n');
  process.exit(2);
}
const found = readProfile(dir);
if (!found) {
  process.stderr.write(`no main-thread .cpuprofile in ${dir}\n`);
  process.exit(1);
}
const windows = JSON.parse(readFileSync(join(dir, 'phases.json'), 'utf8')) as PhaseWindow[];
process.stdout.write(summarizeProfile(found.profile, windows));
