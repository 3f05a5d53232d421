import type { Output } from './io.js';

const MiB = 1024 * 1024;

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < MiB) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 * MiB) return `${(n / MiB).toFixed(1)} MiB`;
  return `${(n / (1024 * MiB)).toFixed(2)} GiB`;
}

/** `[#########-----------]` for a fraction 0..1. */
export function bar(fraction: number, width = 30): string {
  const f = Math.min(1, Math.max(0, fraction));
  const full = Math.round(f * width);
  return `[${'#'.repeat(full)}${'-'.repeat(width - full)}]`;
}

/**
 * A byte-count progress bar. On a terminal it redraws one line (at most ten
 * times a second); elsewhere (CI logs, pipes) it prints a plain line at every
 * quarter, so logs stay readable (node-ecosystem.md §7).
 */
export class ProgressBar {
  private lastDraw = 0;
  private lastQuarter = -1;
  private done = 0;
  private readonly started = Date.now();

  constructor(
    private readonly out: Output,
    private readonly label: string,
    private total: number | undefined,
  ) {}

  setTotal(total: number | undefined): void {
    this.total = total;
  }

  update(done: number): void {
    this.done = done;
    if (this.out.isTTY) {
      const now = Date.now();
      if (now - this.lastDraw < 100) return;
      this.lastDraw = now;
      this.out.write(`\r${this.line()}\x1b[K`);
      return;
    }
    if (!this.total) return;
    const quarter = Math.floor((4 * done) / this.total);
    if (quarter > this.lastQuarter && quarter >= 1 && quarter < 4) {
      this.lastQuarter = quarter;
      this.out.write(`${this.line()}\n`);
    }
  }

  finish(): void {
    const seconds = Math.max(0.001, (Date.now() - this.started) / 1000);
    const line = `${this.label} ${bar(1)} 100% ${formatBytes(this.done)} in ${seconds.toFixed(1)} s (${formatBytes(this.done / seconds)}/s)`;
    this.out.write(this.out.isTTY ? `\r${line}\x1b[K\n` : `${line}\n`);
  }

  private line(): string {
    if (!this.total) return `${this.label} ${formatBytes(this.done)}`;
    const f = this.done / this.total;
    return `${this.label} ${bar(f)} ${String(Math.floor(f * 100)).padStart(3)}% ${formatBytes(this.done)} / ${formatBytes(this.total)}`;
  }
}
