/**
 * Reports one execution's progress and end with UpdateJobExecution.
 * Progress goes out at a sensible rate — every `percentStep` percent or
 * every `intervalMs`, never more often than `minIntervalMs` — and each update
 * restarts the step timer (`stepTimeoutInMinutes`), with a heartbeat while a
 * step is quiet, so a working device is not timed out and a hung one is.
 * The final status is sent until the service takes it.
 */
import pino, { type Logger } from 'pino';
import { systemClock, type Clock } from '../clock.js';
import { Backoff, sleep as realSleep, type BackoffOptions } from './backoff.js';
import { JobsRejected, JobsTimeout, type JobsApi } from './jobs-api.js';
import { cleanDetails, outcomeDetails } from './outcome.js';
import type { JobExecution, JobOutcome, StatusDetails } from './types.js';

export interface ProgressRate {
  /** Report at least this often while progress moves. Default 30 s. */
  intervalMs?: number;
  /** …or whenever the percentage moved by this much. Default 10. */
  percentStep?: number;
  /** Never more often than this. Default 1 s. */
  minIntervalMs?: number;
}

export interface ReporterOptions {
  clock?: Clock;
  rate?: ProgressRate;
  /** Sent with every IN_PROGRESS update; 0 or undefined sends none. */
  stepTimeoutMinutes?: number;
  /** Resend the current details this long after the last update, to keep the step timer alive. Default a third of the step timeout. */
  heartbeatMs?: number;
  /** Back-off for resending the final status. */
  backoff?: BackoffOptions;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  log?: Logger;
}

interface Sent {
  atMs: number;
  percent?: number;
}

/** Whether progress at `percent` is worth an update now (pure, for tests). */
export function progressDue(last: Sent | undefined, nowMs: number, percent: number | undefined, rate: ProgressRate = {}): boolean {
  if (!last) return true;
  const elapsed = nowMs - last.atMs;
  if (elapsed < (rate.minIntervalMs ?? 1000)) return false;
  if (percent !== undefined) {
    // The first percentage of a phase, every step of percentStep, and the end.
    if (last.percent === undefined) return true;
    if (percent >= 100 && last.percent < 100) return true;
    if (percent - last.percent >= (rate.percentStep ?? 10)) return true;
  }
  return elapsed >= (rate.intervalMs ?? 30_000);
}

// aws-wire-protocols.md §1.6: DC retries only these; a timeout is ours to retry too. Over HTTPS the
// service may also refuse who the device is (its policy, its certificate): an operator can fix that,
// so the outcome is kept and sent again rather than dropped.
const RETRYABLE = new Set(['RequestThrottled', 'InternalError', 'AccessDenied', 'CertificateValidation']);
// The execution is no longer ours to update: canceled, timed out, removed, or gone.
const GONE = new Set(['InvalidStateTransition', 'ResourceNotFound', 'TerminalStateReached']);

export class ExecutionReporter {
  private details: StatusDetails = {};
  private last: Sent | undefined;
  private inFlight = false;
  private dirty = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly clock: Clock;
  private readonly log: Logger;

  constructor(
    private readonly jobs: JobsApi,
    private readonly execution: JobExecution,
    private readonly options: ReporterOptions,
    /** Called once when an update shows the execution has ended on the service's side. */
    private readonly onGone: (why: string) => void,
  ) {
    this.clock = options.clock ?? systemClock;
    this.log = options.log ?? pino({ level: 'silent' });
  }

  /** New progress details (they replace the previous ones); sent when due. */
  progress(details: StatusDetails, opts: { percent?: number; force?: boolean } = {}): void {
    if (this.closed) return;
    this.details = details;
    const now = this.clock.now();
    if (!opts.force && !progressDue(this.last, now, opts.percent, this.options.rate)) return;
    this.last = { atMs: now, ...(opts.percent !== undefined ? { percent: opts.percent } : {}) };
    this.send();
  }

  private send(): void {
    if (this.inFlight) {
      this.dirty = true;
      return;
    }
    this.inFlight = true;
    this.armHeartbeat();
    const step = this.options.stepTimeoutMinutes;
    this.jobs
      .update(this.execution.jobId, {
        status: 'IN_PROGRESS',
        statusDetails: cleanDetails(this.details),
        ...(step ? { stepTimeoutInMinutes: step } : {}),
        ...(this.execution.executionNumber !== undefined ? { executionNumber: this.execution.executionNumber } : {}),
      })
      .catch((e: Error) => {
        if (e instanceof JobsRejected && GONE.has(e.code)) this.gone(e);
        else this.log.warn({ jobId: this.execution.jobId, err: e.message }, 'progress update not taken');
      })
      .finally(() => {
        this.inFlight = false;
        if (this.dirty && !this.closed) {
          this.dirty = false;
          this.send();
        }
      });
  }

  private armHeartbeat(): void {
    const step = this.options.stepTimeoutMinutes;
    if (!step || this.closed) return;
    clearTimeout(this.heartbeat);
    const every = this.options.heartbeatMs ?? (step * 60_000) / 3;
    this.heartbeat = setTimeout(() => {
      this.log.debug({ jobId: this.execution.jobId }, 'heartbeat: keeping the step timer alive');
      this.send();
    }, every);
    this.heartbeat.unref?.();
  }

  private gone(e: JobsRejected): void {
    if (this.closed) return;
    this.close();
    const why = e.executionState?.status ? `the execution is ${e.executionState.status}` : e.message;
    this.onGone(why);
  }

  /**
   * Sends the final status until the service takes it (retrying timeouts and
   * throttling with back-off). Resolves 'reported', or 'gone' when the service
   * says the execution already ended. Rejects only when `signal` aborts.
   */
  async finish(outcome: JobOutcome, signal?: AbortSignal): Promise<'reported' | 'gone'> {
    this.close();
    const backoff = new Backoff({ initialMs: 1000, maxMs: 5 * 60_000, ...this.options.backoff });
    const sleep = this.options.sleep ?? realSleep;
    for (;;) {
      try {
        await this.jobs.update(this.execution.jobId, {
          status: outcome.status,
          statusDetails: outcomeDetails(outcome),
          ...(this.execution.executionNumber !== undefined ? { executionNumber: this.execution.executionNumber } : {}),
        });
        return 'reported';
      } catch (e) {
        if (e instanceof JobsRejected && !RETRYABLE.has(e.code)) {
          this.log.warn({ jobId: this.execution.jobId, code: e.code, err: e.message }, 'the final status was refused');
          return 'gone';
        }
        if (!(e instanceof JobsRejected) && !(e instanceof JobsTimeout)) throw e;
        const wait = backoff.next();
        this.log.warn({ jobId: this.execution.jobId, err: (e as Error).message, waitMs: wait }, 'final status not taken yet; retrying');
        await sleep(wait, signal);
      }
    }
  }

  /** Stops progress reports and the heartbeat. */
  close(): void {
    this.closed = true;
    clearTimeout(this.heartbeat);
  }
}
