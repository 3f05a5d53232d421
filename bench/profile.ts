/**
 * Reads the server's V8 CPU profile (--cpu-prof) and says where the time went,
 * phase by phase: the functions with the most self time and the share of each
 * package or source folder. V8 stamps samples with CLOCK_MONOTONIC
 * microseconds, the same clock as process.hrtime here, so the bench's phase
 * boundaries slice the server's profile exactly.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface PhaseWindow {
  phase: string;
  startUs: number;
  endUs: number;
}

/** Where a frame's code lives: an npm package, a Ferry source folder, Node's internals, or V8's own buckets. */
export function ownerOf(frame: CallFrame): string {
  const url = frame.url;
  if (!url) return `(${frame.functionName || 'native'})`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const src = /\/src\/([^/]+)\//.exec(url);
  if (src) return `ferry src/${src[1]}`;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  return url.split('/').slice(-2).join('/');
}

/** `name file:line`; tsx-loaded sources report line 0 for everything, so no line for them. */
const label = (f: CallFrame) => {
  const where = f.url.replace(/^.*\/(node_modules|src)\//, '$1/');
  return `${f.functionName || '(anonymous)'} ${where}${where && f.lineNumber > 0 ? `:${f.lineNumber + 1}` : ''}`.trim();
};

interface Tally {
  totalMs: number;
  byFunction: Map<string, number>;
  byOwner: Map<string, number>;
  byFerryCaller: Map<string, number>;
}

const isFerry = (f: CallFrame) => /\/src\/[^/]+\//.test(f.url) && !f.url.includes('node_modules');

/**
 * For each node, the innermost Ferry function on its stack ("(outside Ferry's
 * code)" when there is none): time in kysely, asn1js or TLS is charged to the
 * Ferry function that asked for it.
 */
function ferryCallers(profile: CpuProfile): Map<number, string> {
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const caller = new Map<number, string>();
  const find = (id: number): string => {
    const known = caller.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id)!;
    const p = parent.get(id);
    const result = isFerry(node.callFrame) ? label(node.callFrame) : p === undefined ? "(outside Ferry's code)" : find(p);
    caller.set(id, result);
    return result;
  };
  // Parents first, so the recursion stays shallow.
  for (const n of profile.nodes) find(n.id);
  return caller;
}

function tallyWindows(profile: CpuProfile, windows: PhaseWindow[]): Tally[] {
  const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const callers = ferryCallers(profile);
  const tallies = windows.map(() => ({ totalMs: 0, byFunction: new Map<string, number>(), byOwner: new Map<string, number>(), byFerryCaller: new Map<string, number>() }));
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    // Each sample stands for the time until the next one.
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const w = windows.findIndex((x) => t >= x.startUs && t < x.endUs);
    if (w < 0) continue;
    const frame = frames.get(profile.samples[i]!);
    if (!frame || frame.functionName === '(idle)') continue;
    const tally = tallies[w]!;
    tally.totalMs += ms;
    const f = label(frame);
    tally.byFunction.set(f, (tally.byFunction.get(f) ?? 0) + ms);
    const o = ownerOf(frame);
    tally.byOwner.set(o, (tally.byOwner.get(o) ?? 0) + ms);
    const who = callers.get(profile.samples[i]!) ?? "(outside Ferry's code)";
    tally.byFerryCaller.set(who, (tally.byFerryCaller.get(who) ?? 0) + ms);
  }
  return tallies;
}

const top = (m: Map<string, number>, n: number) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, n);

/** Markdown: for each phase with samples, the busiest owners and functions (self time, idle excluded). */
export function summarizeProfile(profile: CpuProfile, windows: PhaseWindow[], topN = 12): string {
  const lines: string[] = ['# Ferry server CPU profile by phase', '', 'Self time of the main thread (idle excluded), from `node --cpu-prof`.', ''];
  tallyWindows(profile, windows).forEach((tally, i) => {
    if (tally.totalMs < 1) return;
    lines.push(`## ${windows[i]!.phase} — ${(tally.totalMs / 1000).toFixed(2)} s busy`, '', '| package / folder | ms | % |', '| --- | --- | --- |');
    for (const [owner, ms] of top(tally.byOwner, topN)) lines.push(`| ${owner} | ${ms.toFixed(0)} | ${((ms / tally.totalMs) * 100).toFixed(1)} |`);
    const row = (name: string, ms: number) => `| \`${name.replace(/\|/g, '\\|')}\` | ${ms.toFixed(0)} | ${((ms / tally.totalMs) * 100).toFixed(1)} |`;
    lines.push('', '| function (self time) | ms | % |', '| --- | --- | --- |');
    for (const [fn, ms] of top(tally.byFunction, topN)) lines.push(row(fn, ms));
    lines.push('', '| innermost Ferry function on the stack (its own time and what it called) | ms | % |', '| --- | --- | --- |');
    for (const [fn, ms] of top(tally.byFerryCaller, topN)) lines.push(row(fn, ms));
    lines.push('');
  });
  return `${lines.join('\n')}\n`;
}

/**
 * The main thread's .cpuprofile in `dir`, if any. Node names them
 * CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile; thread 0 is the main
 * thread (tsx's loader hooks run in a thread of their own and write another).
 */
export function readProfile(dir: string): { file: string; profile: CpuProfile } | undefined {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /\.0\.\d+\.cpuprofile$/.test(n)).sort();
  } catch {
    return undefined;
  }
  const name = names[names.length - 1];
  if (!name) return undefined;
  const file = join(dir, name);
  return { file, profile: JSON.parse(readFileSync(file, 'utf8')) as CpuProfile };
}
