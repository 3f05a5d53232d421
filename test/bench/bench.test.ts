import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { tempDir } from '../helpers/temp.js';
import { clusterSkipReason } from '../cluster/helpers.js';
import { haproxySkipReason } from '../helpers/haproxy.js';
import { PG_URL } from '../helpers/postgres.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** Every leaf that is null (NaN and undefined become null in JSON), an empty string, or not finite, by path. */
function unfilled(value: unknown, path = '$'): string[] {
  if (value === null || value === undefined) return [path];
  if (typeof value === 'number') return Number.isFinite(value) ? [] : [path];
  if (typeof value === 'string') return value.length > 0 ? [] : [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => unfilled(v, `${path}[${i}]`));
  if (typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => unfilled(v, `${path}.${k}`));
  return [];
}

/** Every `{ skipped: reason }` in the report, by path. */
function skips(value: unknown, path = '$'): Array<{ path: string; reason: string }> {
  if (typeof value !== 'object' || value === null) return [];
  if ('skipped' in value) return [{ path, reason: String((value as { skipped: unknown }).skipped) }];
  return Object.entries(value).flatMap(([k, v]) => skips(v, `${path}.${k}`));
}

const alive = (pid: number) => existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');

function bench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args], { cwd: REPO, maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

test('npm run bench -- --devices 50 --size 65536 writes a complete report and leaves no process behind', { timeout: 240_000 }, async () => {
  const out = tempDir('ferry-bench-');
  try {
    const { code, stdout, stderr } = await bench(['--devices', '50', '--size', '65536', '--out', out]);
    assert.equal(code, 0, `bench exited ${code}\n${stdout.slice(-4000)}\n${stderr.slice(-4000)}`);

    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Record<string, unknown> & {
      registration: { devices: number };
      connect: { connected: number };
      job: { notified?: number; succeeded?: number; skipped?: string };
      processes: Array<{ name: string; pid: number }>;
    };
    assert.deepEqual(unfilled(report), [], 'every field of report.json is filled');
    // A part may be skipped only with a reason that was also printed, and the fleet's own phases never are.
    for (const s of skips(report)) {
      assert.ok(s.reason.length > 10, `${s.path} is skipped with a reason`);
      assert.ok(stdout.includes(s.reason), `${s.path}: reason printed`);
    }
    assert.equal(report.registration.devices, 50);
    assert.equal(report.connect.connected, 50);
    assert.equal(report.job.skipped, undefined, `the job phase ran: ${report.job.skipped ?? ''}`);
    assert.equal(report.job.notified, 50);
    assert.equal(report.job.succeeded, 50);

    const md = readFileSync(join(out, 'report.md'), 'utf8');
    for (const heading of ['| measure | Ferry |', '| same clients, same run |', '| target (issue #10) |', '| server by phase |']) assert.ok(md.includes(heading), `report.md has ${heading}`);
    assert.doesNotMatch(md, /NaN|undefined|Infinity/);
    assert.match(readFileSync(join(out, 'latency.svg'), 'utf8'), /^<svg[\s\S]*<polyline[\s\S]*<\/svg>\n$/);

    assert.ok(report.processes.some((p) => p.name === 'ferry server'));
    assert.ok(report.processes.filter((p) => p.name.startsWith('fleet worker')).length >= 1);
    for (const p of report.processes) assert.equal(alive(p.pid), false, `${p.name} (pid ${p.pid}) has stopped`);
    assert.equal(existsSync(join(out, 'data')), false, 'the data dir is removed');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('--heap-snapshots summarizes the server\'s memory per connected device by constructor', { timeout: 240_000 }, async () => {
  const out = tempDir('ferry-bench-heap-');
  try {
    const { code, stdout, stderr } = await bench(['--devices', '5', '--size', '1024', '--heap-snapshots', '--skip', 'mosquitto,nginx,moto', '--out', out]);
    assert.equal(code, 0, `bench exited ${code}\n${stdout.slice(-4000)}\n${stderr.slice(-4000)}`);
    const summary = readFileSync(join(out, 'heap-summary.md'), 'utf8');
    assert.match(summary, /JavaScript heap: -?\d+\.\d KiB per device\. RSS: -?\d+\.\d KiB per device/);
    assert.match(summary, /\n\| [^|\n]+ \| -?\d+\.\d\d \| -?\d+ \|\n/, 'a row per constructor');
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { processes: Array<{ name: string; pid: number }> };
    for (const p of report.processes) assert.equal(alive(p.pid), false, `${p.name} (pid ${p.pid}) has stopped`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

const clusterSkip = clusterSkipReason() || haproxySkipReason();

test('npm run bench -- versus --nodes 2 runs the fleet against one process and then through HAProxy against two ferry server processes on PostgreSQL and Redis, writes one table of both, and leaves no process or schema behind; more devices than HAProxy can carry are refused', { timeout: 240_000, skip: clusterSkip }, async () => {
  const out = tempDir('ferry-bench-nodes-');
  const schemas = async () => {
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    const { rows } = await c.query<{ n: string }>("select nspname as n from pg_namespace where nspname like 'ferry_bench_%'");
    await c.end();
    return rows.map((r) => r.n);
  };
  try {
    const before = await schemas();
    const { code, stdout, stderr } = await bench(['versus', '--nodes', '2', '--devices', '20', '--size', '4096', '--skip', 'mosquitto,nginx,moto', '--out', out]);
    assert.equal(code, 0, `bench exited ${code}\n${stdout.slice(-4000)}\n${stderr.slice(-4000)}`);
    const single = JSON.parse(readFileSync(join(out, 'single', 'report.json'), 'utf8')) as { server: { mode: string }; job: { succeeded?: number }; processes: Array<{ name: string; pid: number }> };
    assert.equal(single.server.mode, 'child process');
    assert.equal(single.job.succeeded, 20);
    for (const p of single.processes) assert.equal(alive(p.pid), false, `${p.name} (pid ${p.pid}) has stopped`);
    const versus = readFileSync(join(out, 'versus.md'), 'utf8');
    assert.match(versus, /\| measure \| one process \(SQLite\) \| 2 nodes \(PostgreSQL \+ Redis, HAProxy\) \| 2 nodes \/ one \|/);
    assert.match(versus, /\| executions SUCCEEDED \| 20\/20 in [\d.]+ s [^|]*\| 20\/20 in [\d.]+ s [^|]*\|/);
    assert.match(versus, /Mosquitto skipped: /, 'a skipped reference says so');
    assert.doesNotMatch(versus, /NaN|undefined|Infinity/);
    assert.ok(stdout.includes(versus), 'the table is printed');
    const report = JSON.parse(readFileSync(join(out, 'nodes-2', 'report.json'), 'utf8')) as {
      server: { mode: string };
      connect: { connected: number };
      job: { notified?: number; succeeded?: number };
      processes: Array<{ name: string; pid: number }>;
    };
    assert.equal(report.server.mode, '2 node(s) behind HAProxy');
    assert.equal(report.connect.connected, 20);
    assert.equal(report.job.notified, 20);
    assert.equal(report.job.succeeded, 20);
    // 20 devices need one HAProxy process (the bench starts as many as the fleet's descriptors need, on the same ports).
    assert.deepEqual(report.processes.filter((p) => p.name.startsWith('ferry server') || p.name.startsWith('haproxy')).map((p) => p.name).sort(), ['ferry server bench-1', 'ferry server bench-2', 'haproxy 1']);
    for (const p of report.processes) assert.equal(alive(p.pid), false, `${p.name} (pid ${p.pid}) has stopped`);
    assert.deepEqual(await schemas(), before, 'the bench schema is dropped');
    assert.match(readFileSync(join(out, 'nodes-2', 'report.md'), 'utf8'), /server: 2 node\(s\) behind HAProxy/);

    const refused = await bench(['--nodes', '1', '--devices', '1000000', '--out', join(out, 'refused')]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /HAProxy holds two file descriptors per device and the open-file limit is \d+: at most \d+ devices here/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
