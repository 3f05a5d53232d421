/**
 * `ferry job watch`'s rollout line: the rate now, the next maintenance window,
 * and how close an abort criterion is ("2 more FAILED cancel this job"), read
 * from DescribeJob alone (the wire is AWS's). The rate of a rollout that rises
 * with notified things is shown as its range: AWS's wire does not count the
 * things notified.
 */
import type { Job } from '@aws-sdk/client-iot';
import type { AbortCriteria, RolloutConfig } from '../jobs/configs.js';
import { failuresToAbort, ratePerMinute } from '../jobs/rollout-math.js';
import type { Counters } from './ops/jobs.js';

function rateText(config: RolloutConfig, c: Counters): string {
  const exp = config.exponentialRate;
  if (exp && 'numberOfNotifiedThings' in exp.rateIncreaseCriteria) {
    return `rate ${exp.baseRatePerMinute}→${config.maximumPerMinute ?? 1000}/min (×${exp.incrementFactor} every ${exp.rateIncreaseCriteria.numberOfNotifiedThings} notified)`;
  }
  return `rate ${ratePerMinute(config, { notified: 0, succeeded: c.succeeded })}/min`;
}

function abortText(criterion: AbortCriteria, c: Counters): string | undefined {
  const more = failuresToAbort(criterion, { SUCCEEDED: c.succeeded, FAILED: c.failed, REJECTED: c.rejected, TIMED_OUT: c.timedOut });
  if (!Number.isFinite(more)) return undefined;
  const type = criterion.failureType === 'ALL' ? 'failures' : criterion.failureType;
  return more === 0 ? `abort criterion ${criterion.failureType} ${criterion.thresholdPercentage}% met` : `${more} more ${type} cancel this job`;
}

/** One line about the rollout, or undefined for a job without rollout, abort or scheduling configs, or one that has ended. */
export function rolloutLine(job: Job, c: Counters): string | undefined {
  if (job.status !== 'IN_PROGRESS' && job.status !== 'SCHEDULED') return undefined;
  const parts: string[] = [];
  const rollout = job.jobExecutionsRolloutConfig as RolloutConfig | undefined;
  if (rollout && (rollout.maximumPerMinute !== undefined || rollout.exponentialRate)) parts.push(rateText(rollout, c));
  if (job.status === 'SCHEDULED' && job.schedulingConfig?.startTime) parts.push(`starts ${job.schedulingConfig.startTime} UTC`);
  const next = job.scheduledJobRollouts?.[0]?.startTime;
  if (next) parts.push(`next window ${next} UTC`);
  for (const criterion of (job.abortConfig?.criteriaList ?? []) as AbortCriteria[]) {
    const text = abortText(criterion, c);
    if (text) parts.push(text);
  }
  return parts.length ? parts.join('  ·  ') : undefined;
}
