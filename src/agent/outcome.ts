/**
 * Job outcomes and the statusDetails they become. A handler ends a job by
 * returning or by throwing a JobError; anything else thrown is FAILED with
 * reason `unexpected-error`.
 */
import type { JobOutcome, StatusDetails } from './types.js';

/** A job that ends FAILED (it was tried and did not work) or REJECTED (the device will not run it). */
export class JobError extends Error {
  constructor(
    readonly status: 'FAILED' | 'REJECTED',
    readonly reason: string,
    message: string,
    readonly details: StatusDetails = {},
  ) {
    super(message);
    this.name = 'JobError';
  }
}

/** FAILED: the job was valid but did not work (bad checksum, network gave up, hook exited non-zero…). */
export const failed = (reason: string, message: string, details?: StatusDetails): JobError => new JobError('FAILED', reason, message, details);
/** REJECTED: the device will not run this document (unknown operation, invalid fields, a path outside --dir…). */
export const rejected = (reason: string, message: string, details?: StatusDetails): JobError => new JobError('REJECTED', reason, message, details);

export const isJobError = (e: unknown): e is JobError => e instanceof JobError;

/** The outcome for whatever a handler threw. */
export function outcomeOf(error: unknown): JobOutcome {
  if (isJobError(error)) return { status: error.status, reason: error.reason, message: error.message, details: error.details };
  const message = error instanceof Error ? error.message : String(error);
  return { status: 'FAILED', reason: 'unexpected-error', message };
}

// aws-wire-protocols.md §1.3: keys [a-zA-Z0-9:_-]{1,128}; values 1–1024 chars, no control characters; ≤10 pairs (§9).
const MAX_PAIRS = 10;
const MAX_VALUE = 1024;
const KEY = /^[a-zA-Z0-9:_-]{1,128}$/;
const CONTROL = /\p{C}+/gu;

/** A value the service accepts: control characters become spaces, long values keep their end (where errors are). */
export function detailValue(value: string): string {
  const clean = value.replace(CONTROL, ' ').trim();
  const text = clean === '' ? '-' : clean;
  return text.length <= MAX_VALUE ? text : `…${text.slice(text.length - MAX_VALUE + 1)}`;
}

/** statusDetails the service accepts: valid keys only, clean values, the first ten pairs (in the order given). */
export function cleanDetails(details: StatusDetails): StatusDetails {
  const out: StatusDetails = {};
  let n = 0;
  for (const [k, v] of Object.entries(details)) {
    if (!KEY.test(k) || typeof v !== 'string' || n >= MAX_PAIRS) continue;
    out[k] = detailValue(v);
    n += 1;
  }
  return out;
}

/** The statusDetails reported with an outcome: `reason` and `message` first, so they are never cut. */
export function outcomeDetails(outcome: JobOutcome): StatusDetails {
  if (outcome.status === 'SUCCEEDED') return cleanDetails(outcome.details ?? {});
  return cleanDetails({ reason: outcome.reason, message: outcome.message, ...(outcome.details ?? {}) });
}

/** The abort reason when the service ended the execution (canceled, timed out, removed): partial work is thrown away. */
export class JobCanceled extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobCanceled';
  }
}

/** The abort reason when the agent stops: partial work is kept for the next start. */
export class AgentStopping extends Error {
  constructor() {
    super('the agent is stopping');
    this.name = 'AgentStopping';
  }
}
