import { createHash } from 'node:crypto';
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Every regular, non-hidden file under `dir` (the agent keeps its partial downloads and state in dot-files). */
function visibleFiles(dir: string): string[] {
  const out: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    if (name.startsWith('.')) continue;
    const path = join(dir, name);
    const s = statSync(path);
    if (s.isDirectory()) out.push(...visibleFiles(path));
    else if (s.isFile()) out.push(path);
  }
  return out;
}

export interface Verification {
  ok: boolean;
  /** The file whose bytes match the original, or the files found. */
  file?: string | undefined;
  found: string[];
}

/** Did the device's folder receive the exact bytes? Looks for a file of the right size and SHA-256. */
export async function verifyDownload(dir: string, expected: { size: number; sha256: string }): Promise<Verification> {
  const found = visibleFiles(dir);
  for (const file of found) {
    if (statSync(file).size !== expected.size) continue;
    if ((await sha256File(file)) === expected.sha256) return { ok: true, file, found };
  }
  return { ok: false, found };
}
