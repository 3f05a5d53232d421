import { readdirSync, readFileSync } from 'node:fs';

/** Processes whose command line mentions `text` (Linux /proc; elsewhere an empty list). */
export function processesMentioning(text: string): Array<{ pid: number; cmdline: string }> {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return [];
  }
  const found: Array<{ pid: number; cmdline: string }> = [];
  for (const pid of pids) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmdline.includes(text)) found.push({ pid: Number(pid), cmdline });
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}
