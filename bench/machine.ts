/** The machine a run measured, for the report (nproc, free -h, node version, the references' versions). */
import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, release, totalmem } from 'node:os';

export interface MachineFacts {
  nproc: number;
  cpuModel: string;
  memTotalBytes: number;
  /** `free -h` as printed. */
  free: string;
  node: string;
  kernel: string;
  versions: Record<string, string>;
}

function run(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 }).trim();
  } catch (error) {
    // Some tools print their version on stderr and exit non-zero (mosquitto -h).
    const e = error as { stdout?: string; stderr?: string };
    return `${e.stdout ?? ''}${e.stderr ?? ''}`.trim();
  }
}

export function machineFacts(binaries: { mosquitto?: string | undefined; nginx?: string | undefined; moto?: string | undefined }): MachineFacts {
  const versions: Record<string, string> = {};
  if (binaries.mosquitto) versions.mosquitto = /mosquitto version \S+/.exec(run(binaries.mosquitto, ['-h']))?.[0] ?? 'unknown';
  if (binaries.nginx) versions.nginx = /nginx\/\S+/.exec(run(binaries.nginx, ['-v']))?.[0] ?? 'unknown';
  if (binaries.moto) versions.moto = run('python3', ['-c', 'import moto; print("moto " + moto.__version__)']) || 'unknown';
  return {
    nproc: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memTotalBytes: totalmem(),
    free: run('free', ['-h']),
    node: process.version,
    kernel: release(),
    versions,
  };
}
