import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

/** `npm pack --dry-run --json` in the project: what the tarball holds (the build is not re-run). */
function packList(): Promise<{ name: string; files: Array<{ path: string; mode: number }> }> {
  return new Promise((done, fail) => {
    execFile('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 }, (error, stdout) => {
      if (error) return fail(error);
      done(JSON.parse(stdout)[0]);
    });
  });
}

test('npm pack makes ferry-iot, whose tarball installs the ferry command with the built CLI and the agent bundle', async () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  // `ferry` on the registry is an unrelated package; `ferry-iot` was free when chosen.
  assert.equal(pkg.name, 'ferry-iot');
  assert.deepEqual(pkg.bin, { ferry: 'bin/ferry.js' });
  assert.match(pkg.scripts.build, /scripts\/bundle-agent\.mjs/, 'the build bundles the agent');
  assert.equal(pkg.scripts.prepare, 'npm run build', 'npm ci and npm pack build first');
  assert.ok(pkg.devDependencies.esbuild, 'esbuild is a locked devDependency');
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
  assert.equal(lock.packages[''].name, 'ferry-iot');
  assert.ok(lock.packages[''].devDependencies.esbuild);

  const packed = await packList();
  assert.equal(packed.name, 'ferry-iot');
  const paths = packed.files.map((f) => f.path);
  for (const needed of ['package.json', 'README.md', 'bin/ferry.js', 'dist/cli/main.js', 'dist/ferry-agent.mjs', 'dist/server/server.js']) {
    assert.ok(paths.includes(needed), `the tarball holds ${needed}`);
  }
  assert.ok(packed.files.find((f) => f.path === 'bin/ferry.js')!.mode & 0o100, 'bin/ferry.js is executable');
  assert.deepEqual(paths.filter((p) => /^(src|test|bench|scripts)\//.test(p)), [], 'sources and tests stay out');
  assert.match(readFileSync(join(ROOT, 'bin', 'ferry.js'), 'utf8'), /^#!\/usr\/bin\/env node\n/);
});
