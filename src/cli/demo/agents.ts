import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, type WriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/**
 * How to run `ferry agent` as a child: the built CLI (dist/cli/main.js) with
 * plain node, or, when this code runs from source under tsx, main.ts with tsx.
 */
export function ferryCommand(): { command: string; args: string[] } {
  const self = import.meta.url;
  if (self.endsWith('.ts')) {
    const main = fileURLToPath(new URL('../main.ts', self));
    return { command: process.execPath, args: ['--import', import.meta.resolve('tsx'), main] };
  }
  return { command: process.execPath, args: [fileURLToPath(new URL('../main.js', self))] };
}

export interface RunningAgent {
  thingName: string;
  child: ChildProcess;
  logFile: string;
  /** Resolves with the exit code (or signal) once the process is gone. */
  exited: Promise<number | string | null>;
}

/** Starts one `ferry agent --kit KIT --dir DIR` per device, its output into a log file. */
export function startAgents(devices: Array<{ thingName: string; kitDir: string; filesDir: string; logFile: string }>): RunningAgent[] {
  const { command, args } = ferryCommand();
  return devices.map((d) => {
    mkdirSync(d.filesDir, { recursive: true });
    const log: WriteStream = createWriteStream(d.logFile);
    const child = spawn(command, [...args, 'agent', '--kit', d.kitDir, '--dir', d.filesDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    const exited = new Promise<number | string | null>((resolve) => {
      child.once('error', (e) => {
        log.write(`spawn failed: ${e.message}\n`);
        resolve(null);
      });
      child.once('close', (code, signal) => {
        log.end();
        resolve(code ?? signal);
      });
    });
    return { thingName: d.thingName, child, logFile: d.logFile, exited };
  });
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when every process has exited. */
export async function stopAgents(agents: RunningAgent[], graceMs = 5000): Promise<void> {
  await Promise.all(
    agents.map(async (a) => {
      if (a.child.exitCode !== null || a.child.signalCode !== null || a.child.pid === undefined) return a.exited;
      a.child.kill('SIGTERM');
      const timer = setTimeout(() => a.child.kill('SIGKILL'), graceMs);
      await a.exited;
      clearTimeout(timer);
    }),
  );
}

/** The last lines of an agent's log, for a failure report. */
export function logTail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export const agentPaths = (root: string, thingName: string) => ({
  kitDir: join(root, thingName, 'kit'),
  filesDir: join(root, thingName, 'files'),
  logFile: join(root, thingName, 'agent.log'),
});
