// Bundles the device agent (src/cli/agent-main.ts and all it imports: mqtt,
// pino, the S3 client…) into one self-contained ES module, dist/ferry-agent.mjs,
// which `ferry thing create` copies into every connection kit. Run by
// `npm run build` (and so by `npm ci`, through `prepare`).
import { build } from 'esbuild';
import { renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

const out = await build({
  absWorkingDir: root,
  entryPoints: ['src/cli/agent-main.ts'],
  outfile: 'dist/ferry-agent.mjs',
  write: false,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20.19', // package.json engines
  minify: true,
  legalComments: 'eof',
  logLevel: 'warning',
  // CommonJS dependencies call require() for Node's built-ins; an ES module has none of its own.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __ferryRequire } from 'node:module';\nconst require = __ferryRequire(import.meta.url);",
  },
});

// Written whole, then renamed: a kit being written meanwhile never copies half a bundle.
for (const file of out.outputFiles) {
  writeFileSync(`${file.path}.tmp`, file.contents);
  renameSync(`${file.path}.tmp`, file.path);
}
