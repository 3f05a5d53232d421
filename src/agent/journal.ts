/**
 * Outcomes not yet taken by the service, kept on disk (inside --dir) so a
 * job whose work is done is not run again after a restart — a hook is not
 * run twice, a file not fetched twice — only its status is sent again.
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/write-atomic.js';
import { STATE_FOLDER } from './paths.js';
import type { JobOutcome } from './types.js';

export class OutcomeJournal {
  private readonly folder: string;

  constructor(dir: string) {
    this.folder = join(dir, STATE_FOLDER, 'outcomes');
    mkdirSync(this.folder, { recursive: true, mode: 0o700 });
  }

  private file(jobId: string, executionNumber: number | undefined): string {
    // jobId is [a-zA-Z0-9_-]{1,64} (aws-wire-protocols.md §1.1), safe as a file name; anything else is encoded.
    return join(this.folder, `${encodeURIComponent(jobId)}.${executionNumber ?? 0}.json`);
  }

  read(jobId: string, executionNumber: number | undefined): JobOutcome | undefined {
    try {
      return JSON.parse(readFileSync(this.file(jobId, executionNumber), 'utf8')) as JobOutcome;
    } catch {
      return undefined;
    }
  }

  write(jobId: string, executionNumber: number | undefined, outcome: JobOutcome): void {
    writeFileAtomic(this.file(jobId, executionNumber), JSON.stringify(outcome), 0o600);
  }

  remove(jobId: string, executionNumber: number | undefined): void {
    rmSync(this.file(jobId, executionNumber), { force: true });
    const running = this.running();
    if (running?.jobId === jobId && running.executionNumber === (executionNumber ?? 0)) rmSync(this.runningFile(), { force: true });
  }

  private runningFile(): string {
    return join(this.folder, '..', 'running.json');
  }

  /** The execution the agent was working on, if it stopped before reporting its end. */
  running(): { jobId: string; executionNumber: number } | undefined {
    try {
      return JSON.parse(readFileSync(this.runningFile(), 'utf8')) as { jobId: string; executionNumber: number };
    } catch {
      return undefined;
    }
  }

  /** Notes the execution being worked on; true when it was already (the agent resumes it after a restart). */
  start(jobId: string, executionNumber: number | undefined): boolean {
    const running = this.running();
    const resumed = running?.jobId === jobId && running.executionNumber === (executionNumber ?? 0);
    if (!resumed) writeFileAtomic(this.runningFile(), JSON.stringify({ jobId, executionNumber: executionNumber ?? 0 }), 0o600);
    return resumed;
  }
}
