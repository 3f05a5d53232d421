/** The machine a run measured, for the report (nproc, free -h, node version, the references' versions). */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';

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

/** Which Ferry was measured: the commit, and the source files that differed from it when the run started. */
export function ferryRevision(repo: string): { commit: string; uncommittedSourceFiles: string[] } {
  const git = (args: string[]) => spawnSync('git', args, { cwd: repo, encoding: 'utf8', timeout: 10_000 }).stdout?.trim() ?? '';
  const commit = git(['rev-parse', '--short=12', 'HEAD']) || 'unknown (not a git checkout)';
  const changed = git(['status', '--porcelain', '--', 'src']).split('\n').filter(Boolean).map((l) => l.slice(3));
  return { commit, uncommittedSourceFiles: changed };
}

/** How busy the whole machine was while the bench ran: other work on it skews every number. */
export interface MachineLoad {
  loadAverageAtStart: number[];
  loadAverageAtEnd: number[];
  /** All processes' CPU use over the run, % of all cores. */
  busyPercent: number;
  /** Time the hypervisor gave to other guests, % of all cores. */
  stealPercent: number;
}

interface CpuTicks {
  busy: number;
  steal: number;
  total: number;
}

function cpuTicks(): CpuTicks | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1, 9).map(Number) as number[];
    const total = user! + nice! + system! + idle! + iowait! + irq! + softirq! + steal!;
    return { busy: user! + nice! + system! + irq! + softirq!, steal: steal!, total };
  } catch {
    return undefined;
  }
}

/** Call at the start; the function it returns tells the load since then. */
export function watchMachineLoad(): () => MachineLoad {
  const startLoad = loadavg();
  const start = cpuTicks();
  return () => {
    const end = cpuTicks();
    const span = start && end ? end.total - start.total : 0;
    const pct = (v: number) => (span > 0 ? Math.round((v / span) * 1000) / 10 : 0);
    return {
      loadAverageAtStart: startLoad.map((l) => Math.round(l * 100) / 100),
      loadAverageAtEnd: loadavg().map((l) => Math.round(l * 100) / 100),
      busyPercent: start && end ? pct(end.busy - start.busy) : 0,
      stealPercent: start && end ? pct(end.steal - start.steal) : 0,
    };
  };
}

/** stdout and stderr together: nginx -v prints on stderr, mosquitto -h exits non-zero. */
function run(command: string, args: string[]): string {
  const r = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
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
