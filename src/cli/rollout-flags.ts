/**
 * `ferry job create`'s rollout flags, turned into CreateJob's own shapes
 * (jobExecutionsRolloutConfig, abortConfig, jobExecutionsRetryConfig,
 * schedulingConfig). Only the syntax is read here: the server's validator
 * checks the ranges and names the field it refuses.
 */
import { InvalidArgumentError } from 'commander';
import type { AbortCriteria, CreateJobRequest, RetryCriteria } from '@aws-sdk/client-iot';

export interface RolloutFlags {
  rate?: number;
  exponential?: NonNullable<NonNullable<CreateJobRequest['jobExecutionsRolloutConfig']>['exponentialRate']>;
  abort?: AbortCriteria[];
  retry?: RetryCriteria[];
  start?: string;
  end?: string;
  endBehavior?: string;
  window?: Array<{ startTime: string; durationInMinutes: number }>;
}

const number = (text: string, what: string) => {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${what} must be a number (got ${JSON.stringify(text)})`);
  return n;
};

/** `--exponential BASE,FACTOR,notified|succeeded:N` */
export function exponentialFlag(value: string): NonNullable<RolloutFlags['exponential']> {
  const m = /^([^,]+),([^,]+),(notified|succeeded):(.+)$/.exec(value);
  if (!m) throw new InvalidArgumentError('expected BASE,FACTOR,notified:N or BASE,FACTOR,succeeded:N (e.g. 50,2,notified:1000)');
  const every = number(m[4]!, 'N');
  return {
    baseRatePerMinute: number(m[1]!, 'BASE'),
    incrementFactor: number(m[2]!, 'FACTOR'),
    rateIncreaseCriteria: m[3] === 'notified' ? { numberOfNotifiedThings: every } : { numberOfSucceededThings: every },
  };
}

/** `--abort TYPE:PCT:MIN`, repeatable: cancel the job once PCT % of ended executions are TYPE, after MIN things were notified. */
export function abortFlag(value: string, previous: AbortCriteria[] = []): AbortCriteria[] {
  const m = /^([A-Z_]+):([^:]+):([^:]+)$/.exec(value);
  if (!m) throw new InvalidArgumentError('expected TYPE:PERCENT:MIN (e.g. FAILED:20:10; TYPE is FAILED, REJECTED, TIMED_OUT or ALL)');
  return [...previous, { failureType: m[1] as AbortCriteria['failureType'], action: 'CANCEL', thresholdPercentage: number(m[2]!, 'PERCENT'), minNumberOfExecutedThings: number(m[3]!, 'MIN') }];
}

/** `--retry TYPE:N`, repeatable (TYPE FAILED, TIMED_OUT or ALL). */
export function retryFlag(value: string, previous: RetryCriteria[] = []): RetryCriteria[] {
  const m = /^([A-Z_]+):([^:]+)$/.exec(value);
  if (!m) throw new InvalidArgumentError('expected TYPE:N (e.g. FAILED:2; TYPE is FAILED, TIMED_OUT or ALL)');
  return [...previous, { failureType: m[1] as RetryCriteria['failureType'], numberOfRetries: number(m[2]!, 'N') }];
}

/** `--window 'cron(0 18 ? * MON-FRI *):60'`, repeatable: AWS's cron expression (UTC), then the minutes it lasts. */
export function windowFlag(value: string, previous: NonNullable<RolloutFlags['window']> = []): NonNullable<RolloutFlags['window']> {
  const colon = value.lastIndexOf(':');
  if (colon <= 0) throw new InvalidArgumentError("expected CRON:MINUTES (e.g. 'cron(0 18 ? * MON-FRI *):60')");
  return [...previous, { startTime: value.slice(0, colon), durationInMinutes: number(value.slice(colon + 1), 'MINUTES') }];
}

/** The CreateJob fields the flags ask for (none when no flag is given). */
export function rolloutRequest(f: RolloutFlags): Partial<CreateJobRequest> {
  const out: Partial<CreateJobRequest> = {};
  if (f.rate !== undefined || f.exponential) out.jobExecutionsRolloutConfig = { ...(f.rate !== undefined ? { maximumPerMinute: f.rate } : {}), ...(f.exponential ? { exponentialRate: f.exponential } : {}) };
  if (f.abort?.length) out.abortConfig = { criteriaList: f.abort };
  if (f.retry?.length) out.jobExecutionsRetryConfig = { criteriaList: f.retry };
  if (f.start || f.end || f.endBehavior || f.window?.length) {
    out.schedulingConfig = {
      ...(f.start ? { startTime: f.start } : {}),
      ...(f.end ? { endTime: f.end } : {}),
      ...(f.endBehavior ? { endBehavior: f.endBehavior as NonNullable<CreateJobRequest['schedulingConfig']>['endBehavior'] } : {}),
      ...(f.window?.length ? { maintenanceWindows: f.window } : {}),
    };
  }
  return out;
}
