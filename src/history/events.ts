/**
 * The event history's records (issue 22). A kind names what happened:
 * - a thing's MQTT lifecycle: `connected`, `disconnected` (details.reason),
 *   `connect_failed` (details.reason), `subscribed` (details.topics);
 * - an execution's transitions: `execution.QUEUED`, `execution.notified` (the
 *   rollout reached the thing: it may now see the job), `execution.IN_PROGRESS`,
 *   `execution.SUCCEEDED`, … every status AWS names, and `execution.deleted`;
 * - a job's: `job.created`, `job.completed`, `job.canceled`, `job.deleted`;
 * - presigned links: `link.issued` (bucket, key, expiry) and `link.used` (the
 *   first download of that link seen on the S3 listener).
 */
export type LifecycleKind = 'connected' | 'disconnected' | 'connect_failed' | 'subscribed';
export type JobKind = 'job.created' | 'job.completed' | 'job.canceled' | 'job.deleted';
export type LinkKind = 'link.issued' | 'link.used';
export type HistoryKind = LifecycleKind | JobKind | LinkKind | `execution.${string}`;

/** One event as the read API answers it. */
export interface HistoryEvent {
  /** Increasing in the order events became visible, cluster-wide: a server-sent event id. */
  id: number;
  /** ISO 8601. */
  time: string;
  kind: HistoryKind;
  thingName?: string;
  clientId?: string;
  jobId?: string;
  executionNumber?: number;
  details: Record<string, unknown>;
  /** The node that recorded it. */
  node: string;
}

/** What an adapter records; the history stamps the time (unless given), the node and the id. */
export interface NewHistoryEvent {
  kind: HistoryKind;
  thingName?: string | undefined;
  clientId?: string | undefined;
  jobId?: string | undefined;
  executionNumber?: number | undefined;
  details?: Record<string, unknown> | undefined;
  atMs?: number | undefined;
}

/** A presigned link as it was issued to a device (the URL itself is never kept). */
export interface IssuedLink {
  url: string;
  bucket: string;
  key: string;
  expiresSec: number;
  thingName?: string | undefined;
  jobId?: string | undefined;
  executionNumber?: number | undefined;
}

/** A GET on the S3 listener authenticated by a presigned URL's signature. */
export interface LinkUse {
  /** The X-Amz-Signature (or SigV2 Signature) query value. */
  signature: string;
  bucket: string;
  key: string;
}

/** What the adapters (MQTT, jobs, S3) call: cheap, never throws, never waits on the store. */
export interface HistorySink {
  record(event: NewHistoryEvent): void;
  linkIssued(link: IssuedLink): void;
  linkUsed(use: LinkUse): void;
}

/** Records nothing (tests and tools that build a part without the history). */
export const NO_HISTORY: HistorySink = { record() {}, linkIssued() {}, linkUsed() {} };

export interface HistoryQuery {
  thingName?: string | undefined;
  jobId?: string | undefined;
  /** Only events with a greater id (a Last-Event-ID). */
  after?: number | undefined;
  /** At most this many, oldest first (1–1000, default 100). */
  limit?: number | undefined;
  /** The newest `limit` instead of the oldest (still answered oldest first). */
  latest?: boolean | undefined;
}

export interface HistoryPage {
  events: HistoryEvent[];
  /** The id to pass as `after` for what follows (the last event's, or `after` when none). */
  lastId: number;
}
