/**
 * Every process the bench starts is registered here and stopped at the end —
 * on success, on error and on SIGINT/SIGTERM — so a run leaves nothing behind.
 * Each child gets its own process group (detached), so stopping it also stops
 * what it started (nginx's workers, a pyenv shim's python), and only that.
 */
import { spawn, fork, type ChildProcess, type SpawnOptions, type ForkOptions } from 'node:child_process';

export interface Child {
  name: string;
  process: ChildProcess;
  pid: number;
  /** Resolves with the exit code (or signal name) once the process has gone. */
  exited: Promise<string>;
  /** SIGTERM (or the given signal), then SIGKILL after `graceMs`; resolves once gone. */
  stop(graceMs?: number, signal?: NodeJS.Signals): Promise<void>;
}

const running = new Set<Child>();
/** Every process started in this run, for the report (and the test that checks none is left). */
const started: Array<{ name: string; pid: number }> = [];

function track(name: string, child: ChildProcess, group: boolean): Child {
  if (child.pid === undefined) throw new Error(`could not start ${name}`);
  const pid = child.pid;
  started.push({ name, pid });
  let gone = false;
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      gone = true;
      resolve(signal ?? String(code));
    });
  });
  const send = (signal: NodeJS.Signals) => {
    if (gone) return;
    try {
      if (group) process.kill(-pid, signal);
      else child.kill(signal);
    } catch {
      // already gone
    }
  };
  const entry: Child = {
    name,
    process: child,
    pid,
    exited,
    async stop(graceMs = 10_000, signal = 'SIGTERM') {
      send(signal);
      const timer = setTimeout(() => send('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
      // Anything the child left in its group (it exited first) goes too.
      if (group) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // nothing left
        }
      }
      running.delete(entry);
    },
  };
  running.add(entry);
  void exited.then(() => {
    if (!group) running.delete(entry);
  });
  return entry;
}

/** Starts a program in its own process group. */
export function startProcess(name: string, command: string, args: string[], options: SpawnOptions = {}): Child {
  const child = spawn(command, args, { stdio: 'ignore', ...options, detached: true });
  return track(name, child, true);
}

/** Forks a Node module with an IPC channel (the fleet workers); it exits when the channel closes. */
export function forkProcess(name: string, module: string, args: string[], options: ForkOptions = {}): Child {
  const child = fork(module, args, options);
  return track(name, child, false);
}

/** Stops every child still running, newest first. */
export async function stopAll(): Promise<void> {
  const all = [...running].reverse();
  await Promise.all(all.map((c) => c.stop(10_000)));
}

export function startedChildren(): Array<{ name: string; pid: number }> {
  return [...started];
}

export function runningChildren(): string[] {
  return [...running].map((c) => `${c.name} (pid ${c.pid})`);
}

/**
 * SIGINT/SIGTERM stop every child, run `cleanUp`, then exit 130/143. Returns
 * the function that removes the handlers.
 */
export function stopChildrenOnSignals(log: (line: string) => void, cleanUp: () => void): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    log(`\n${signal}: stopping ${runningChildren().join(', ') || 'nothing'}`);
    void stopAll().finally(() => {
      cleanUp();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}
