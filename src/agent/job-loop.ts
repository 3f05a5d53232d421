/**
 * The job loop: one job at a time. After every connect, and whenever
 * notify-next says there is work, it asks StartNextPendingJobExecution (which
 * returns an IN_PROGRESS execution first, so after a restart the agent picks
 * up where it was), finds the operation for the document, runs it with
 * progress reports, and ends the execution SUCCEEDED, FAILED (reason and
 * message in statusDetails) or REJECTED (a document it will not run).
 */
import { EventEmitter } from 'node:events';
import pino, { type Logger } from 'pino';
import { Backoff, sleep as realSleep, type BackoffOptions } from './backoff.js';
import { JobsRejected, JobsTimeout, type JobsApi } from './jobs-api.js';
import type { OutcomeJournal } from './journal.js';
import { AgentStopping, failed, JobCanceled, outcomeOf } from './outcome.js';
import { resolveInside } from './paths.js';
import { ExecutionReporter, type ReporterOptions } from './reporter.js';
import type { AgentTools, JobContext, JobDocument, JobExecution, JobOutcome, Operation } from './types.js';

export interface JobLoopOptions {
  jobs: JobsApi;
  operations: readonly Operation[];
  /** The agent folder (real, absolute). */
  dir: string;
  tools: AgentTools;
  journal: OutcomeJournal;
  reporter?: ReporterOptions;
  /**
   * Whether to ask again after a failed start-next (the MQTT connection is up).
   * When false the loop waits for the next wake(): the next connect, or the
   * HTTPS poller's next turn, which paces itself.
   */
  isOnline: () => boolean;
  /** Back-off for asking again after a Jobs request failed. */
  backoff?: BackoffOptions;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  log?: Logger;
}

export interface JobLoopEvents {
  started: [execution: JobExecution];
  finished: [execution: JobExecution, outcome: JobOutcome, delivery: 'reported' | 'gone'];
  canceled: [execution: JobExecution, why: string];
  idle: [];
}

const PENDING = new Set(['QUEUED', 'IN_PROGRESS']);

export class JobLoop extends EventEmitter<JobLoopEvents> {
  private draining: Promise<void> | undefined;
  private again = false;
  private current: { execution: JobExecution; controller: AbortController } | undefined;
  private readonly stopping = new AbortController();
  private readonly askedWaiters: Array<() => void> = [];
  private readonly log: Logger;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(private readonly options: JobLoopOptions) {
    super();
    this.log = options.log ?? pino({ level: 'silent' });
    this.sleep = options.sleep ?? realSleep;
    options.jobs.on('notify-next', (next) => this.onNotifyNext(next));
  }

  /**
   * Asks for work now (after a connect, a poll), or once the current job is
   * done. Resolves once the loop has asked (start-next answered or failed),
   * not when the work is done; never rejects.
   */
  wake(): Promise<void> {
    if (this.stopping.signal.aborted) return Promise.resolve();
    const asked = new Promise<void>((resolve) => this.askedWaiters.push(resolve));
    if (this.draining) {
      this.again = true;
      return asked;
    }
    this.draining = this.drain()
      .catch((e: unknown) => {
        if (!this.stopping.signal.aborted) this.log.error({ err: (e as Error).message }, 'job loop failed');
      })
      .finally(() => {
        this.draining = undefined;
        this.asked();
        if (this.again && !this.stopping.signal.aborted) void this.wake();
      });
    return asked;
  }

  /** Tells wake()'s callers that start-next has been asked. */
  private asked(): void {
    for (const resolve of this.askedWaiters.splice(0)) resolve();
  }

  /** Stops: the running job is interrupted, its partial work kept for the next start. */
  async stop(): Promise<void> {
    this.stopping.abort(new AgentStopping());
    this.current?.controller.abort(new AgentStopping());
    await this.draining;
  }

  get busy(): boolean {
    return this.current !== undefined;
  }

  private async drain(): Promise<void> {
    const { jobs, reporter } = this.options;
    const backoff = new Backoff({ initialMs: 1000, maxMs: 60_000, ...this.options.backoff });
    const step = reporter?.stepTimeoutMinutes;
    for (;;) {
      this.again = false;
      let execution: JobExecution | undefined;
      try {
        execution = await jobs.startNext(step ? { stepTimeoutInMinutes: step } : {});
        backoff.reset();
        this.asked();
      } catch (e) {
        this.asked();
        if (this.stopping.signal.aborted || !this.options.isOnline()) return; // the next connect (or poll) wakes us
        const wait = backoff.next();
        this.log.warn({ err: (e as Error).message, waitMs: wait }, 'start-next failed; asking again');
        await this.sleep(wait, this.stopping.signal).catch(() => {});
        continue;
      }
      if (!execution) {
        this.emit('idle');
        if (this.again) continue;
        return;
      }
      await this.run(execution);
      if (this.stopping.signal.aborted) return;
    }
  }

  private async run(execution: JobExecution): Promise<void> {
    const { jobId, executionNumber } = execution;
    const log = this.log.child({ jobId, executionNumber });
    const controller = new AbortController();
    this.current = { execution, controller };
    const reporter = new ExecutionReporter(this.options.jobs, execution, { ...this.options.reporter, log }, (why) =>
      controller.abort(new JobCanceled(why)),
    );
    this.emit('started', execution);
    try {
      let outcome = this.options.journal.read(jobId, executionNumber);
      if (outcome) log.info({ status: outcome.status }, 'this job was done before a restart; reporting its outcome again');
      else {
        outcome = await this.execute(execution, controller.signal, reporter, log);
        if (!outcome) {
          const why = controller.signal.reason instanceof Error ? controller.signal.reason.message : 'aborted';
          log.info({ why }, 'job interrupted');
          if (controller.signal.reason instanceof JobCanceled) this.emit('canceled', execution, why);
          return;
        }
        this.options.journal.write(jobId, executionNumber, outcome);
      }
      log.info({ status: outcome.status, ...(outcome.status !== 'SUCCEEDED' ? { reason: outcome.reason, message: outcome.message } : {}) }, 'job done');
      let delivery: 'reported' | 'gone';
      try {
        delivery = await reporter.finish(outcome, this.stopping.signal);
      } catch {
        return; // stopping: the journal keeps the outcome for the next start
      }
      this.options.journal.remove(jobId, executionNumber);
      this.emit('finished', execution, outcome, delivery);
    } finally {
      reporter.close();
      this.current = undefined;
    }
  }

  /** Runs the operation; undefined when interrupted (canceled or stopping). */
  private async execute(execution: JobExecution, signal: AbortSignal, reporter: ExecutionReporter, log: Logger): Promise<JobOutcome | undefined> {
    const document = documentOf(execution.jobDocument);
    if (!document) return { status: 'REJECTED', reason: 'invalid-document', message: 'The job document is not a JSON object.' };
    const operation = this.options.operations.find((op) => matches(op, document));
    if (!operation) return { status: 'REJECTED', reason: 'unknown-operation', message: this.unknown(document) };
    const resumed = this.options.journal.start(execution.jobId, execution.executionNumber);
    log.info({ operation: operation.name, resumed }, resumed ? 'job resumed' : 'job started');
    reporter.progress({ step: resumed ? 'resumed' : 'started', operation: operation.name }, { force: true });
    const job: JobContext = {
      execution,
      document,
      dir: this.options.dir,
      signal,
      log,
      progress: (details, opts) => reporter.progress(details, opts),
      refreshDocument: () => this.refresh(execution, signal, log),
      resolvePath: (path, what) => resolveInside(this.options.dir, path, what),
      tools: this.options.tools,
    };
    try {
      return (await operation.run(job)) ?? { status: 'SUCCEEDED' };
    } catch (e) {
      if (signal.aborted) return undefined;
      return outcomeOf(e);
    }
  }

  /** DescribeJobExecution again: fresh presigned links, or news that the execution ended. */
  private async refresh(execution: JobExecution, signal: AbortSignal, log: Logger): Promise<JobDocument> {
    const backoff = new Backoff({ initialMs: 1000, maxMs: 30_000, ...this.options.backoff });
    for (let attempt = 1; ; attempt += 1) {
      signal.throwIfAborted();
      try {
        const again = await this.options.jobs.describe(execution.jobId, {
          includeJobDocument: true,
          ...(execution.executionNumber !== undefined ? { executionNumber: execution.executionNumber } : {}),
        });
        if (!again || !PENDING.has(again.status)) {
          this.current?.controller.abort(new JobCanceled(`the execution is ${again?.status ?? 'gone'}`));
          signal.throwIfAborted();
        }
        const document = documentOf(again?.jobDocument);
        if (!document) throw failed('invalid-document', 'The job document asked for again is not a JSON object.');
        return document;
      } catch (e) {
        if (signal.aborted) throw signal.reason;
        if (!(e instanceof JobsTimeout) && !(e instanceof JobsRejected && e.code === 'RequestThrottled')) {
          if (e instanceof JobsRejected) throw failed('execution-unavailable', `Asking for the job again was refused: ${e.message}`);
          throw e;
        }
        if (attempt >= 5) throw failed('execution-unavailable', `Could not ask for the job again: ${e.message}`);
        const wait = backoff.next();
        log.warn({ err: e.message, waitMs: wait }, 'asking for the job again failed; retrying');
        await this.sleep(wait, signal);
      }
    }
  }

  /** notify-next: work may be waiting, or the running execution may have been canceled. */
  private onNotifyNext(next: JobExecution | undefined): void {
    const current = this.current;
    if (!current) {
      void this.wake();
      return;
    }
    this.again = true;
    if (next?.jobId === current.execution.jobId) return;
    // Something else is next: check whether ours still stands.
    this.options.jobs
      .describe(current.execution.jobId, {
        includeJobDocument: false,
        ...(current.execution.executionNumber !== undefined ? { executionNumber: current.execution.executionNumber } : {}),
      })
      .then((e) => {
        if (!e || !PENDING.has(e.status)) current.controller.abort(new JobCanceled(`the execution is ${e?.status ?? 'gone'}`));
      })
      .catch((e: Error) => {
        if (e instanceof JobsRejected && e.code === 'ResourceNotFound') current.controller.abort(new JobCanceled('the execution is gone'));
      });
  }

  private unknown(document: JobDocument): string {
    const known = this.options.operations.map((o) => o.name).join(', ');
    const op = document.operation;
    return typeof op === 'string'
      ? `This agent has no handler for operation '${op}' (it runs: ${known}).`
      : `The job document matches no operation this agent runs (${known}).`;
  }
}

function matches(op: Operation, document: JobDocument): boolean {
  try {
    return op.matches(document);
  } catch {
    return false;
  }
}

/** The document as an object: MQTT gives one, the HTTPS data plane a string. */
export function documentOf(raw: unknown): JobDocument | undefined {
  let doc = raw;
  if (typeof doc === 'string') {
    try {
      doc = JSON.parse(doc) as unknown;
    } catch {
      return undefined;
    }
  }
  return doc !== null && typeof doc === 'object' && !Array.isArray(doc) ? (doc as JobDocument) : undefined;
}
