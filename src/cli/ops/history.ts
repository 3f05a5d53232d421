import type { HistoryEvent, HistoryPage } from '../../history/events.js';
import type { Connection } from '../client-config.js';
import { ferryRequest } from '../ferry-api.js';

export type HistoryOf = { thingName: string } | { jobId: string };

/** GET /ferry/things/{name}/history or /ferry/jobs/{id}/history: events after `after`, oldest first. */
export function readHistory(conn: Connection, of: HistoryOf, o: { after?: number; limit?: number; latest?: boolean } = {}): Promise<HistoryPage> {
  const path = 'thingName' in of ? `/ferry/things/${encodeURIComponent(of.thingName)}/history` : `/ferry/jobs/${encodeURIComponent(of.jobId)}/history`;
  const query = new URLSearchParams();
  if (o.after !== undefined) query.set('after', String(o.after));
  if (o.limit !== undefined) query.set('limit', String(o.limit));
  if (o.latest) query.set('latest', 'true');
  const search = query.size > 0 ? `?${query}` : '';
  return ferryRequest<HistoryPage>(conn, 'GET', `${path}${search}`);
}

/** Every event after `after`, page after page. */
export async function readAllHistory(conn: Connection, of: HistoryOf, after = 0): Promise<HistoryEvent[]> {
  const out: HistoryEvent[] = [];
  for (;;) {
    const page = await readHistory(conn, of, { after, limit: 1000 });
    out.push(...page.events);
    if (page.events.length < 1000) return out;
    after = page.lastId;
  }
}

/** One event as a line: time, kind, the thing or job it is not already about, and what it carries. */
export function historyLine(e: HistoryEvent, about: 'thing' | 'job'): string {
  const subject = about === 'thing' ? (e.jobId ? `job ${e.jobId}${e.executionNumber !== undefined ? ` #${e.executionNumber}` : ''}` : '') : (e.thingName ?? '');
  return [e.time, e.kind.padEnd(20), subject, detailsOf(e)].filter((x) => x !== '').join('  ').trimEnd();
}

function detailsOf(e: HistoryEvent): string {
  const d = e.details;
  switch (e.kind) {
    case 'disconnected':
    case 'connect_failed':
      return String(d.reason ?? '');
    case 'subscribed':
      return [...((d.topics as string[] | undefined) ?? []), ...((d.refused as string[] | undefined) ?? []).map((t) => `${t} (refused)`)].join(' ');
    case 'link.issued':
      return `s3://${String(d.bucket)}/${String(d.key)} until ${String(d.expiresAt)}`;
    case 'link.used':
      return `s3://${String(d.bucket)}/${String(d.key)}`;
    default: {
      const details = d.statusDetails as Record<string, string> | undefined;
      return details ? Object.entries(details).map(([k, v]) => `${k}=${v}`).join(' ') : '';
    }
  }
}
