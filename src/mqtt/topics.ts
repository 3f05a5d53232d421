/** MQTT topic names and filters, and the IoT resource ARNs they are authorized as. */

/**
 * True when `topic` matches the MQTT filter (`+` one level, `#` the rest).
 * A filter starting with a wildcard never matches a `$` topic (MQTT-4.7.2-1).
 */
export function topicMatches(filter: string, topic: string): boolean {
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    if (level === '#') return true;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}

export const hasWildcard = (filter: string): boolean => filter.includes('+') || filter.includes('#');

/**
 * The ARNs IoT policies name (aws-wire-protocols.md §7): `client/<id>` for
 * Connect, `topic/<name>` for Publish and Receive, `topicfilter/<filter as sent>`
 * for Subscribe. Names go in literally: `+` and `#` are plain characters to a policy.
 */
export class MqttArns {
  private readonly prefix: string;
  constructor(region: string, accountId: string) {
    this.prefix = `arn:aws:iot:${region}:${accountId}:`;
  }
  client = (clientId: string): string => `${this.prefix}client/${clientId}`;
  topic = (topic: string): string => `${this.prefix}topic/${topic}`;
  topicFilter = (filter: string): string => `${this.prefix}topicfilter/${filter}`;
}
