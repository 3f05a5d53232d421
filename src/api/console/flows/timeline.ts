/**
 * The job stream's resume cursor and its timeline events. An event id is `n.h` (the stream's
 * n-th event, sent when the last history event delivered had id h), so Last-Event-ID alone
 * says where both the numbering and the history resume.
 */
import type { FastifyRequest } from 'fastify';
import type { HistoryEvent } from '../../../history/events.js';

export interface StreamCursor {
  /** Events the browser has seen on this stream (the next id is n + 1). */
  n: number;
  /** The last history event id it has (0: none). */
  historyId: number;
}

const CURSOR = /^(\d{1,15})(?:\.(\d{1,15}))?$/;

/** From Last-Event-ID (or `lastEventId` in the query for a first open); anything else starts afresh. */
export function streamCursor(request: FastifyRequest): StreamCursor {
  const header = request.headers['last-event-id'];
  const raw = (Array.isArray(header) ? header[0] : header) ?? (request.query as Record<string, string | undefined>).lastEventId;
  const m = raw === undefined ? null : CURSOR.exec(raw.trim());
  if (!m) return { n: 0, historyId: 0 };
  return { n: Number(m[1]), historyId: m[2] === undefined ? 0 : Number(m[2]) };
}

/** One step of a device's timeline: what the page shows (the job is the stream's own). */
export interface TimelineEvent {
  historyId: number;
  time: string;
  kind: string;
  thingName?: string;
  executionNumber?: number;
  details: Record<string, unknown>;
}

export function timelineEventOf(e: HistoryEvent): TimelineEvent {
  return {
    historyId: e.id,
    time: e.time,
    kind: e.kind,
    ...(e.thingName !== undefined ? { thingName: e.thingName } : {}),
    ...(e.executionNumber !== undefined ? { executionNumber: e.executionNumber } : {}),
    details: e.details,
  };
}
