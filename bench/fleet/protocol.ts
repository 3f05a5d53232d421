/** The requests pool.ts sends to fleet workers, and what they answer. */
import type { JobTiming } from './device.js';

export type Command =
  | { cmd: 'keys'; names: string[] }
  | { cmd: 'certs'; certs: string[] }
  | { cmd: 'prepare-tls'; ca: string }
  | { cmd: 'connect'; url: string; window: number; timeoutMs: number }
  | { cmd: 'arm-fanout'; timeoutMs: number }
  | { cmd: 'collect-fanout' }
  | { cmd: 'arm-job'; sha256: string; size: number; s3Ca: string; downloadConcurrency: number; requestTimeoutMs: number; timeoutMs: number }
  | { cmd: 'collect-job' }
  | { cmd: 'disconnect' }
  | { cmd: 'download'; url: string; ca: string; count: number; concurrency: number; sha256: string; size: number };

export interface ConnectResult {
  startedAt: number;
  endedAt: number;
  connected: number;
  failed: number;
  /** Error message → how many devices failed with it. */
  errors: Record<string, number>;
  /** Connection attempts made again after a failed one (handshake, reset, timeout). */
  retries: number;
  /** Per connected device: ms from starting to connect until subscribed. */
  durations: number[];
  /** This worker's CPU time (user + system) for the batch. */
  cpuSeconds: number;
}

export interface DownloadBatchResult {
  startedAt: number;
  endedAt: number;
  ok: number;
  failed: number;
  errors: Record<string, number>;
  /** Downloads started again after a failed attempt. */
  retries: number;
  bytes: number;
  durations: number[];
  cpuSeconds: number;
}

export interface Answers {
  keys: { csrs: string[]; seconds: number };
  certs: { count: number };
  'prepare-tls': { count: number };
  connect: ConnectResult;
  'arm-fanout': { armed: number };
  'collect-fanout': { times: Array<number | null> };
  'arm-job': { armed: number };
  'collect-job': { timings: JobTiming[]; cpuSeconds: number };
  disconnect: { closed: number };
  download: DownloadBatchResult;
}
