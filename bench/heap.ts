/**
 * Heap snapshots of the server (--heap-snapshots): one before the fleet
 * connects and one after it has sat idle, so the JavaScript memory each
 * connection holds can be named by constructor. The server runs with
 * `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=DIR`; a snapshot is written
 * when it gets SIGUSR2. Whatever RSS grew beyond the JS heap is native memory
 * (OpenSSL's per-connection state, socket buffers).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from './net.js';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: Array<string[] | string> } };
  nodes: number[];
  strings: string[];
}

const snapshots = (dir: string) => {
  try {
    return readdirSync(dir).filter((n) => n.endsWith('.heapsnapshot')).sort();
  } catch {
    return [];
  }
};

/** Asks the server for a snapshot and waits until its file is complete; returns the file. */
export async function takeSnapshot(pid: number, dir: string, timeoutMs = 600_000): Promise<string> {
  const before = new Set(snapshots(dir));
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + timeoutMs;
  let file: string | undefined;
  let lastSize = -1;
  while (Date.now() < deadline) {
    await sleep(500);
    if (!isAlive(pid)) throw new Error(`the server (pid ${pid}) exited while writing a heap snapshot: see its log`);
    file ??= snapshots(dir).find((n) => !before.has(n));
    if (!file) continue;
    // V8 writes the snapshot in one go and ends it with the strings table's closing brackets.
    const size = statSync(join(dir, file)).size;
    if (size === lastSize && size > 0 && readFileSync(join(dir, file)).subarray(-16).toString().trimEnd().endsWith(']}')) return join(dir, file);
    lastSize = size;
  }
  throw new Error(`no heap snapshot from pid ${pid} within ${timeoutMs} ms`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Self size and count by constructor (objects) or by kind (strings, code, arrays…). */
export function sizesByKind(file: string): Map<string, { count: number; bytes: number }> {
  const s = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0] as string[];
  const width = fields.length;
  const [t, n, size] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number];
  const out = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < s.nodes.length; i += width) {
    const type = types[s.nodes[i + t]!] ?? '?';
    const key = ['object', 'closure', 'native', 'regexp'].includes(type) ? `${s.strings[s.nodes[i + n]!] ?? '?'}${type === 'closure' ? ' (closure)' : ''}` : `(${type})`;
    const entry = out.get(key) ?? { count: 0, bytes: 0 };
    entry.count += 1;
    entry.bytes += s.nodes[i + size]!;
    out.set(key, entry);
  }
  return out;
}

export interface HeapDelta {
  /** JS heap growth (snapshot self sizes) per connected device. */
  jsBytesPerDevice: number;
  rows: Array<{ kind: string; countPerDevice: number; bytesPerDevice: number }>;
}

export function heapDelta(beforeFile: string, afterFile: string, devices: number, top = 20): HeapDelta {
  const a = sizesByKind(beforeFile);
  const b = sizesByKind(afterFile);
  const rows = [...b.entries()].map(([kind, v]) => {
    const was = a.get(kind) ?? { count: 0, bytes: 0 };
    return { kind, countPerDevice: (v.count - was.count) / devices, bytesPerDevice: (v.bytes - was.bytes) / devices };
  });
  const total = rows.reduce((sum, r) => sum + r.bytesPerDevice, 0);
  rows.sort((x, y) => y.bytesPerDevice - x.bytesPerDevice);
  return { jsBytesPerDevice: Math.round(total), rows: rows.slice(0, top) };
}

export function heapMarkdown(d: HeapDelta, rssPerDevice: number | undefined): string {
  const lines = [
    '# Ferry server memory per connected device (heap snapshots before and after the fleet connected)',
    '',
    `JavaScript heap: ${(d.jsBytesPerDevice / 1024).toFixed(1)} KiB per device.` +
      (rssPerDevice === undefined ? '' : ` RSS: ${(rssPerDevice / 1024).toFixed(1)} KiB per device, so about ${((rssPerDevice - d.jsBytesPerDevice) / 1024).toFixed(1)} KiB is native (OpenSSL, socket buffers, allocator).`),
    '',
    '| constructor / kind | per device: count | per device: bytes |',
    '| --- | --- | --- |',
    ...d.rows.map((r) => `| ${r.kind.replace(/\|/g, '\\|')} | ${r.countPerDevice.toFixed(2)} | ${Math.round(r.bytesPerDevice)} |`),
    '',
  ];
  return `${lines.join('\n')}\n`;
}
