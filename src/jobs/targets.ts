/**
 * CreateJob's targets: thing and thing-group ARNs, groups expanded
 * recursively when the job is made (SNAPSHOT, aws-wire-protocols.md §3.3, §9).
 */
import { invalidInput, notFound } from '../errors.js';
import type { Registry } from '../registry/index.js';

// aws-wire-protocols.md §9: at most 100 targets per job.
export const MAX_TARGETS = 100;
const GROUP_PAGE = 250;

/** The distinct things the targets name, sorted; refuses unknown things and groups. */
export async function expandTargets(registry: Registry, targets: readonly string[]): Promise<string[]> {
  if (targets.length === 0) throw invalidInput('targets must name at least one thing or thing group ARN.');
  if (targets.length > MAX_TARGETS) throw invalidInput(`targets names ${targets.length} ARNs; a job may have at most ${MAX_TARGETS}.`);
  const things = new Set<string>();
  for (const arn of targets) {
    const thing = registry.arns.nameIn(arn, 'thing');
    const group = registry.arns.nameIn(arn, 'thinggroup');
    if (thing !== undefined) {
      if (!(await registry.things.exists(thing))) throw notFound('thing', `Thing ${thing} does not exist (target ${arn}).`);
      things.add(thing);
    } else if (group !== undefined) {
      if (!(await registry.thingGroups.exists(group))) throw notFound('thinggroup', `Thing group ${group} does not exist (target ${arn}).`);
      for (const member of await groupMembers(registry, group)) things.add(member);
    } else {
      throw invalidInput(`Target ${arn} is not the ARN of a thing or thing group of account ${registry.arns.accountId} in ${registry.arns.region} (arn:aws:iot:${registry.arns.region}:${registry.arns.accountId}:thing/NAME or …:thinggroup/NAME).`);
    }
  }
  return [...things].sort();
}

async function groupMembers(registry: Registry, group: string): Promise<string[]> {
  const out: string[] = [];
  let token: string | undefined;
  do {
    const page = await registry.thingGroups.listThings(group, { recursive: true, limit: GROUP_PAGE, token });
    out.push(...page.items);
    token = page.next;
  } while (token !== undefined);
  return out;
}
