/**
 * The built console (dist/console, made by `npm run build`) served at /console/: hashed
 * assets cached for a year, index.html revalidated every time, and any other path under
 * /console/ sent to the matching hash route (relative redirects, so a path prefix added by
 * a reverse proxy is kept).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { consoleHeaders } from './headers.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** The package's root: the nearest directory above this module holding package.json. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above the console module');
    dir = up;
  }
  return dir;
}

export const consoleBuildDir = () => join(packageRoot(), 'dist', 'console');

interface Built {
  index: Buffer;
  assets: Map<string, Buffer>;
}

/** Read once at start: the console is a handful of small files. */
function readBuild(dir: string): Built | undefined {
  if (!existsSync(join(dir, 'index.html'))) return undefined;
  const assets = new Map<string, Buffer>();
  const assetDir = join(dir, 'assets');
  if (existsSync(assetDir)) for (const name of readdirSync(assetDir)) assets.set(name, readFileSync(join(assetDir, name)));
  return { index: readFileSync(join(dir, 'index.html')), assets };
}

function sendIndex(reply: FastifyReply, built: Built | undefined): FastifyReply {
  consoleHeaders(reply).header('cache-control', 'no-cache');
  if (!built) return reply.code(503).type('text/plain; charset=utf-8').send('The console is not built: run npm run build.\n');
  return reply.type(TYPES['.html']!).send(built.index);
}

export function registerConsoleStatic(app: FastifyInstance, dir = consoleBuildDir()): void {
  const built = readBuild(dir);
  app.get('/console', async (_request, reply) => consoleHeaders(reply).redirect('console/', 301));
  app.get('/console/', async (_request, reply) => sendIndex(reply, built));
  app.get<{ Params: { file: string } }>('/console/assets/:file', async (request, reply) => {
    const body = built?.assets.get(request.params.file);
    consoleHeaders(reply);
    if (!body) return reply.code(404).type('text/plain; charset=utf-8').send('Not found\n');
    return reply
      .type(TYPES[extname(request.params.file)] ?? 'application/octet-stream')
      .header('cache-control', 'public, max-age=31536000, immutable')
      .send(body);
  });
  // A deep link typed as a path (/console/things/x) goes to its hash route (/console/#/things/x).
  app.get<{ Params: { '*': string } }>('/console/*', async (request, reply) => {
    const rest = request.params['*'];
    if (rest.startsWith('api/')) return consoleHeaders(reply).code(404).send({ error: { code: 'NotFound', message: `No console API route ${rest}` } });
    const depth = rest.split('/').length - 1;
    return consoleHeaders(reply).redirect(`${'../'.repeat(depth) || './'}#/${rest}`, 302);
  });
}
