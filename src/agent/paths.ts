/**
 * Where the agent may write: inside --dir and nowhere else. A destination is
 * taken relative to --dir, or as an absolute path that must lie inside it;
 * `..`, symbolic links leading out, and the agent's own state folder are
 * refused, so a job document can never write outside the folder it was given.
 */
import { existsSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { rejected } from './outcome.js';

/** The agent's own files (outcome journal) live here, inside --dir. */
export const STATE_FOLDER = '.ferry-agent';

/** The real absolute path of --dir (created by the caller). */
export const realDir = (dir: string): string => realpathSync(resolve(dir));

const inside = (root: string, path: string): boolean => {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
};

/**
 * The absolute path for `target` inside `dir` (already real), or a REJECTED
 * JobError with reason `destination-outside-dir` (`file-outside-dir` when
 * `what` is 'file': a file the agent would read, e.g. to upload it).
 */
export function resolveInside(dir: string, target: string, what: 'destination' | 'file' = 'destination'): string {
  const refuse = (why: string) => rejected(`${what}-outside-dir`, `The ${what} '${target}' ${why}; the agent works only inside ${dir}.`);
  if (typeof target !== 'string' || target === '' || target.includes('\0')) throw refuse('is not a valid path');
  const path = isAbsolute(target) ? resolve(target) : resolve(dir, target);
  if (path === dir) throw refuse('is the agent folder itself');
  if (!inside(dir, path)) throw refuse('is outside the agent folder');
  const rel = relative(dir, path);
  if (rel === STATE_FOLDER || rel.startsWith(STATE_FOLDER + sep)) throw refuse("is inside the agent's own state folder");
  // A symbolic link on the way may lead elsewhere: the nearest existing ancestor must really be inside.
  let probe = path;
  while (!existsSync(probe)) probe = dirname(probe);
  const real = realpathSync(probe);
  if (real !== dir && !inside(dir, real)) throw refuse('leads outside the agent folder through a symbolic link');
  return join(real, relative(probe, path));
}
