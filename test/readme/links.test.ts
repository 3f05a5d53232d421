import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = join(import.meta.dirname, '../..');
const DOCS = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** The text outside fenced code blocks and inline code spans, where a link is a link. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** `[text](target)` links (and images), with the target as written. */
function links(markdown: string): string[] {
  return [...prose(markdown).matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!);
}

/** GitHub's anchors for a file's headings: lowercased, punctuation dropped, spaces as hyphens, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of prose(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = m[1]!
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

test('every relative link in README.md and docs/*.md names a file in the repository, and its anchor a heading', () => {
  const broken: string[] = [];
  let checked = 0;
  for (const doc of DOCS) {
    const text = readFileSync(join(ROOT, doc), 'utf8');
    for (const target of links(text)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: …
      checked++;
      const [path = '', anchor] = target.split('#', 2) as [string, string | undefined];
      const file = path === '' ? join(ROOT, doc) : resolve(dirname(join(ROOT, doc)), decodeURIComponent(path));
      if (relative(ROOT, file).startsWith('..')) {
        broken.push(`${doc}: ${target} points outside the repository`);
        continue;
      }
      if (!existsSync(file)) {
        broken.push(`${doc}: ${target} names no file`);
        continue;
      }
      if (anchor && file.endsWith('.md') && statSync(file).isFile() && !anchors(readFileSync(file, 'utf8')).has(anchor)) {
        broken.push(`${doc}: ${target} names no heading of ${relative(ROOT, file)}`);
      }
    }
  }
  assert.deepEqual(broken, []);
  assert.ok(checked >= 5, `links were found (${checked})`);
});

test('the README links the architecture document, and no document cites files outside the repository', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  assert.ok(links(readme).some((l) => l.startsWith('docs/architecture.md')));
  for (const doc of DOCS) assert.doesNotMatch(readFileSync(join(ROOT, doc), 'utf8'), /DESIGN\.md|\.\.\/shared\//, doc);
});

test('the link checker itself: code is not prose, anchors are slugged as GitHub does', () => {
  assert.deepEqual(links('[a](x.md) `[b](y.md)`\n```\n[c](z.md)\n```\n![i](img.png "t")'), ['x.md', 'img.png']);
  assert.deepEqual([...anchors('# Using the AWS CLI, boto3 and the device SDKs\n## Scale-out: a cluster of nodes\n## Scale-out: a cluster of nodes\n```\n# not a heading\n```')], [
    'using-the-aws-cli-boto3-and-the-device-sdks',
    'scale-out-a-cluster-of-nodes',
    'scale-out-a-cluster-of-nodes-1',
  ]);
});
