/**
 * Topics starting with `$` belong to the service. Devices may publish only where
 * AWS IoT lets them and Ferry answers: the Jobs request topics under
 * `$aws/things/{thing}/jobs/` (aws-wire-protocols.md §1.1; the jobs engine
 * consumes them and answers unknown ones with InvalidTopic). Responses and
 * notifications there (`…/accepted`, `…/rejected`, `notify`, `notify-next`) are
 * the service's to send. Every other `$` topic is refused: shadows, rules,
 * fleet provisioning and the rest are not served by Ferry. `$SYS` is the
 * broker's own (aedes announces clients there) and closed to devices entirely.
 * These rules come before policy: a policy cannot open a reserved topic.
 */

const JOBS_TOPIC = /^\$aws\/things\/[^/]+\/jobs\/(.+)$/;
const SERVICE_SENT = /(^|\/)(accepted|rejected)$|^notify(-next|-namespace-.*)?$/;

export const isReserved = (topic: string): boolean => topic.startsWith('$');

/** Why a device may not publish to this topic, or undefined when it may (policy permitting). */
export function publishRefusal(topic: string, retain: boolean): string | undefined {
  if (!isReserved(topic)) return undefined;
  if (retain) return `retained messages cannot be published to the reserved topic ${topic}`;
  const jobs = JOBS_TOPIC.exec(topic);
  if (!jobs) return `${topic} is a reserved topic devices cannot publish to`;
  if (SERVICE_SENT.test(jobs[1]!)) return `${topic} is sent by the service; devices cannot publish to it`;
  return undefined;
}

/** Why a device may not subscribe to this filter, or undefined when it may (policy permitting). */
export function subscribeRefusal(filter: string): string | undefined {
  if (!isReserved(filter) || filter.startsWith('$aws/')) return undefined;
  return `${filter} is a reserved topic filter devices cannot subscribe to`;
}
