/**
 * The layering rule (DESIGN.md "Rules of the house"): the jobs domain never
 * reaches into a protocol adapter. Nothing under src/jobs/ may import
 * src/mqtt/, src/api/ or src/protocols/ (nor the protocol libraries
 * themselves) — by static import, `import type`, re-export, `import()`,
 * `require()` or an `import('…')` type — and every module reference must be a
 * literal, so this check can see it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname, '../..');
const FORBIDDEN_FOLDERS = ['src/mqtt/', 'src/api/', 'src/protocols/'];
const FORBIDDEN_PACKAGES = ['aedes', 'mqtt', 'fastify'];

/** Every module a source file refers to; null for a reference whose target is not a literal. */
export function moduleReferences(source: string, fileName = 'x.ts'): Array<string | null> {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: Array<string | null> = [];
  const literal = (node: ts.Node | undefined) => (node && ts.isStringLiteralLike(node) ? node.text : null);
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || (ts.isExportDeclaration(node) && node.moduleSpecifier)) found.push(literal(node.moduleSpecifier));
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) found.push(literal(node.moduleReference.expression));
    else if (ts.isCallExpression(node) && (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))) {
      found.push(literal(node.arguments[0]));
    } else if (ts.isImportTypeNode(node)) {
      found.push(ts.isLiteralTypeNode(node.argument) ? literal(node.argument.literal) : null);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** Why a reference from `fromFile` (repo-relative) breaks the rule, or undefined when it keeps it. */
export function violation(fromFile: string, specifier: string | null): string | undefined {
  if (specifier === null) return 'a module reference that is not a string literal';
  if (specifier.startsWith('.')) {
    const target = relative(ROOT, resolve(ROOT, dirname(fromFile), specifier));
    const folder = FORBIDDEN_FOLDERS.find((f) => `${target}/`.startsWith(f));
    return folder ? `imports ${target} (under ${folder})` : undefined;
  }
  const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
  return FORBIDDEN_PACKAGES.includes(name) || name.startsWith('@fastify/') ? `imports the protocol library ${name}` : undefined;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(ts|mts|cts|js|mjs)$/.test(e.name))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

test('nothing under src/jobs/ imports src/mqtt/, src/api/ or src/protocols/ (or a protocol library)', () => {
  const files = sourceFiles(join(ROOT, 'src/jobs'));
  assert.ok(files.length > 20, `the jobs domain's files were found (${files.length})`);
  const broken: string[] = [];
  for (const file of files) {
    for (const specifier of moduleReferences(readFileSync(join(ROOT, file), 'utf8'), file)) {
      const why = violation(file, specifier);
      if (why) broken.push(`${file}: ${why}`);
    }
  }
  assert.deepEqual(broken, []);
});

test('the check sees every way of importing, and passes what the domain may import', () => {
  const from = 'src/jobs/service.ts';
  const offending = [
    "import { startJobsMqtt } from '../api/jobs-mqtt/index.js';",
    "import type { DeviceMessaging } from '../mqtt/device-messaging.js';",
    "export { sendJson } from '../protocols/rest-json.js';",
    "export * from '../mqtt/topics.js';",
    "export type { AwsService } from '../protocols/errors/registry.js';",
    "const m = await import('../api/iot/index.js');",
    "const m = require('../mqtt/broker.js');",
    "import broker = require('../mqtt/broker.js');",
    "let t: typeof import('../protocols/sigv4/index.js');",
    "const m = await import(`../api/${name}.js`);",
    "const p = '../mqtt/broker.js'; await import(p);",
    "import { Aedes } from 'aedes';",
    "import Fastify from 'fastify';",
    "import cors from '@fastify/cors';",
    "import mqtt from 'mqtt';",
  ];
  for (const source of offending) {
    const refs = moduleReferences(source);
    assert.ok(refs.some((r) => violation(from, r) !== undefined), `caught: ${source} (${JSON.stringify(refs)})`);
  }
  const allowed = [
    "import { notFound } from '../errors.js';",
    "import type { Registry } from '../registry/index.js';",
    "export { tell } from './announcer.js';",
    "const m = await import('./delivery.js');",
    "import { randomUUID } from 'node:crypto';",
    "import type { Logger } from 'pino';",
    "import { sql } from 'kysely';",
    // A folder whose name merely starts like a forbidden one.
    "import { x } from '../apis/thing.js';",
  ];
  for (const source of allowed) assert.deepEqual(moduleReferences(source).map((r) => violation(from, r)), [undefined], source);
});
