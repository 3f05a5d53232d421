/**
 * The fleet: worker processes (child_process.fork, loading TypeScript through
 * tsx) that each hold a contiguous share of the devices. `all()` sends one
 * request to every worker and gathers the answers in worker order.
 */
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { forkProcess, type Child } from '../children.js';
import type { Answers, Command } from './protocol.js';

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));
const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));

interface Waiter {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

class WorkerHandle {
  private nextId = 1;
  private readonly waiting = new Map<number, Waiter>();
  readonly ready: Promise<void>;

  constructor(
    readonly child: Child,
    /** Indexes of this worker's devices in the fleet. */
    readonly first: number,
    readonly count: number,
  ) {
    // A send on a channel that closed (the worker died, or the run is being stopped) fails that request only.
    child.process.on('error', () => {});
    this.ready = new Promise((resolve, reject) => {
      child.process.on('message', (message: { ready?: boolean; id?: number; result?: unknown; error?: string }) => {
        if (message.ready) return resolve();
        const waiter = message.id === undefined ? undefined : this.waiting.get(message.id);
        if (!waiter) return;
        this.waiting.delete(message.id!);
        if (message.error !== undefined) waiter.reject(new Error(`fleet worker ${child.pid}: ${message.error}`));
        else waiter.resolve(message.result);
      });
      void child.exited.then((code) => {
        const error = new Error(`fleet worker ${child.pid} exited (${code})`);
        reject(error);
        for (const w of this.waiting.values()) w.reject(error);
        this.waiting.clear();
      });
    });
  }

  request<C extends Command>(command: C): Promise<Answers[C['cmd']]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (!this.child.process.connected) return reject(new Error(`fleet worker ${this.child.pid} is gone`));
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.process.send({ id, ...command }, (error) => {
        if (!error) return;
        this.waiting.delete(id);
        reject(new Error(`fleet worker ${this.child.pid}: ${error.message}`));
      });
    });
  }
}

export class Fleet {
  private constructor(
    readonly workers: WorkerHandle[],
    readonly size: number,
  ) {}

  /** Forks `workers` processes sharing `devices` devices as evenly as possible. */
  static async start(devices: number, workers: number, maxOldSpaceMb: number): Promise<Fleet> {
    const count = Math.max(1, Math.min(workers, devices));
    const handles: WorkerHandle[] = [];
    let first = 0;
    for (let w = 0; w < count; w++) {
      const share = Math.floor(devices / count) + (w < devices % count ? 1 : 0);
      const child = forkProcess(`fleet worker ${w}`, WORKER, [], {
        cwd: REPO,
        execArgv: ['--import', 'tsx', `--max-old-space-size=${maxOldSpaceMb}`],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        serialization: 'advanced',
      });
      handles.push(new WorkerHandle(child, first, share));
      first += share;
    }
    await Promise.all(handles.map((h) => h.ready));
    return new Fleet(handles, devices);
  }

  /** Sends a command to each worker (built per worker) and returns the answers in worker order. */
  all<C extends Command>(build: (w: { first: number; count: number }) => C): Promise<Array<Answers[C['cmd']]>> {
    return Promise.all(this.workers.map((w) => w.request(build(w))));
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.child.stop(5_000)));
  }
}
