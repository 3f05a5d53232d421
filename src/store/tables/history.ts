import type { Generated } from 'kysely';

/**
 * The event history (issue 22): what happened to each thing and each job —
 * lifecycle events, execution and job transitions, presigned links issued and
 * first used — kept for [history] retentionDays. `id` is the store's own
 * sequence: increasing cluster-wide in commit order (history/store.ts), so it
 * serves as a server-sent event id. Never a signature or a URL's query.
 */
export interface HistoryEventsTable {
  id: Generated<number>;
  event_time: number;
  /** e.g. connected, execution.IN_PROGRESS, job.created, link.issued (history/events.ts). */
  kind: string;
  thing_name: string | null;
  client_id: string | null;
  job_id: string | null;
  execution_number: number | null;
  /** JSON object (reason, status details, bucket/key, expiry…); '{}' when none. */
  details: string;
  /** The node that recorded it. */
  node: string;
}

/**
 * Each presigned link Ferry issued, by the SHA-256 of its signature (never the
 * signature itself), so the S3 listener can tell its first download.
 */
export interface HistoryLinksTable {
  id: Generated<number>;
  signature_digest: string;
  issued_at: number;
  expires_at: number;
  thing_name: string | null;
  job_id: string | null;
  execution_number: number | null;
  bucket: string;
  object_key: string;
  used_at: number | null;
}

export interface HistoryTables {
  history_events: HistoryEventsTable;
  history_links: HistoryLinksTable;
}
