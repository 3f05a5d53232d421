/**
 * The distribute page's plain-language previews of CreateJob's rollout, abort, timeout, retry
 * and scheduling fields (the rollouts issue's words: "10 devices a minute, stop if 20 % of the
 * first 50 fail"). Pure: the fields as typed in, a sentence out (unit-tested without a browser).
 */

export interface RolloutFields {
  /** jobExecutionsRolloutConfig.maximumPerMinute (a cap once exponentialRate is given). */
  perMinute: string;
  /** abortConfig.criteriaList[0].thresholdPercentage / minNumberOfExecutedThings. */
  abortPercent: string;
  abortAfter: string;
  /** timeoutConfig.inProgressTimeoutInMinutes. */
  timeoutMinutes: string;
  /** jobExecutionsRolloutConfig.exponentialRate. */
  baseRate?: string;
  incrementFactor?: string;
  increaseEvery?: string;
  increaseOn?: 'numberOfNotifiedThings' | 'numberOfSucceededThings';
}

export interface RetryFields {
  /** jobExecutionsRetryConfig.criteriaList: numberOfRetries per failureType. */
  failedRetries: string;
  timedOutRetries: string;
}

export interface SchedulingFields {
  /** schedulingConfig: startTime and endTime are UTC, written YYYY-MM-DDTHH:MM. */
  startTime: string;
  endTime: string;
  endBehavior: '' | 'STOP_ROLLOUT' | 'CANCEL' | 'FORCE_CANCEL';
  /** One maintenance window: an AWS cron expression and its length. */
  windowCron: string;
  windowMinutes: string;
}

const sentence = (s: string) => `${s.charAt(0).toUpperCase()}${s.slice(1)}.`;

const plural = (n: string, one: string, many = `${one}s`) => `${n} ${n === '1' ? one : many}`;

/** "10 devices a minute, stop if 20 % of the first 50 fail, each device has 30 minutes once it starts." */
export function preview(o: RolloutFields): string {
  const parts = [];
  if (o.baseRate) {
    const every = o.increaseEvery || '1';
    const what = o.increaseOn === 'numberOfSucceededThings' ? 'succeed' : 'are notified';
    parts.push(`start at ${plural(o.baseRate, 'device')} a minute, ×${o.incrementFactor || '?'} each time ${every} more ${every === '1' ? (what === 'succeed' ? 'device succeeds' : 'device is notified') : `devices ${what}`}, up to ${o.perMinute || '1000'} a minute`);
  } else parts.push(o.perMinute ? `${plural(o.perMinute, 'device')} a minute` : 'every device at once');
  if (o.abortPercent) parts.push(`stop if ${o.abortPercent} % of the first ${o.abortAfter || '1'} fail`);
  else parts.push('never stop on failures');
  parts.push(o.timeoutMinutes ? `each device has ${plural(o.timeoutMinutes, 'minute')} once it starts` : 'no time limit once a device starts');
  return sentence(parts.join(', '));
}

/** "A failed device is tried again up to 2 times; a timed-out one up to 1 time." */
export function retryPreview(o: RetryFields): string {
  const failed = o.failedRetries !== '' && o.failedRetries !== '0';
  const timedOut = o.timedOutRetries !== '' && o.timedOutRetries !== '0';
  const upTo = (n: string) => `up to ${plural(n, 'time')}`;
  if (failed && timedOut) return `A failed device is tried again ${upTo(o.failedRetries)}; a timed-out one ${upTo(o.timedOutRetries)}.`;
  if (failed) return `A failed device is tried again ${upTo(o.failedRetries)}.`;
  if (timedOut) return `A timed-out device is tried again ${upTo(o.timedOutRetries)}.`;
  return 'A device that fails or times out is not tried again.';
}

const when = (t: string) => `${t.replace('T', ' ')} UTC`;

const END_WORDS = {
  STOP_ROLLOUT: 'no more devices are notified (those notified may finish)',
  CANCEL: 'the job is cancelled (devices already running may finish)',
  FORCE_CANCEL: 'the job is cancelled, running devices too',
} as const;

/** "Starts at 2026-12-04 10:00 UTC; at 2026-12-05 10:00 UTC no more devices are notified …; devices are notified only during cron(…), for 60 minutes each time." */
export function schedulePreview(o: SchedulingFields): string {
  const parts = [o.startTime ? `starts at ${when(o.startTime)}` : 'starts when created'];
  if (o.endTime) parts.push(`at ${when(o.endTime)} ${END_WORDS[o.endBehavior || 'STOP_ROLLOUT']}`);
  if (o.windowCron) parts.push(`devices are notified only during ${o.windowCron}, for ${plural(o.windowMinutes || '?', 'minute')} each time`);
  return sentence(parts.join('; '));
}
