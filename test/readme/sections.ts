import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';

export interface Block {
  lang: string;
  text: string;
  /** The file a block is, named in backticks at the start of the paragraph before it. */
  file?: string;
}

/** The fenced blocks of one README section, in order, without its subsections (### …). */
export function sectionBlocks(markdown: string, title: string): Block[] {
  const start = markdown.indexOf(`\n## ${title}\n`);
  assert.ok(start >= 0, `README has a section "${title}"`);
  const next = /\n###? /.exec(markdown.slice(start + 1));
  const section = markdown.slice(start, next ? start + 1 + next.index : undefined);
  const blocks: Block[] = [];
  const fence = /\n```(\w+)\n([\s\S]*?)\n```\n/g;
  for (let m = fence.exec(section); m; m = fence.exec(section)) {
    const before = section.slice(0, m.index).split(/\n\s*\n/).at(-1) ?? '';
    const file = /^`([\w.-]+\.\w+)`/.exec(before.trim())?.[1];
    blocks.push({ lang: m[1]!, text: `${m[2]!}\n`, ...(file ? { file } : {}) });
  }
  return blocks;
}

export interface ScriptResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a script with `bash -xeuo pipefail` (each command traced to stderr, so a failure names its command) in its own process group; once bash
 * has exited (or after `timeoutMs`), whatever it left running in the
 * background (an agent started with `&`) is stopped with SIGTERM.
 */
export function run(script: string, cwd: string, env: NodeJS.ProcessEnv, timeoutMs = 180_000): Promise<ScriptResult> {
  return new Promise((done) => {
    const child = spawn('bash', ['-xeuo', 'pipefail', '-c', script], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const stopGroup = () => {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // The group is already gone.
      }
    };
    const timer = setTimeout(stopGroup, timeoutMs);
    let code = -1;
    child.once('exit', (c) => {
      code = c ?? -1;
      clearTimeout(timer);
      stopGroup();
    });
    child.once('close', () => done({ code, stdout, stderr }));
  });
}

/** A failed script's report, most telling part first: CI logs keep a message's head and tail, not its middle. */
export function failure(result: ScriptResult, ...extra: string[]): string {
  const tail = (text: string) => (text.length > 4000 ? `…${text.slice(-4000)}` : text);
  return [`exit code ${result.code}`, `stderr (the traced commands):\n${tail(result.stderr)}`, ...extra, `stdout:\n${tail(result.stdout)}`].join('\n');
}
