/**
 * The console's only way to the server: same-origin JSON requests to the console API
 * (relative URLs, so a path prefix behind a reverse proxy keeps working). Operations run
 * on the server as the signed-in identity, through the same authorization as the AWS API.
 * No secret is ever kept in the browser: the session is an HttpOnly cookie.
 */
import { signal } from '@preact/signals';

export interface Identity {
  arn: string;
  kind: string;
  /** How the session was signed in. */
  method: 'key' | 'password';
  /** The access key that signed in (method key). */
  accessKeyId?: string;
  /** A password user must change a reset password before anything else. */
  passwordChangeRequired: boolean;
  expiresAt: number;
}

/** undefined: not known yet; null: signed out. */
export const identity = signal<Identity | null | undefined>(undefined);

export class ApiError extends Error {
  constructor(readonly code: string, message: string, readonly status: number) {
    super(message);
  }
}

type Json = Record<string, unknown>;

export async function request(method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  const parsed = text ? (JSON.parse(text) as Json) : {};
  if (!response.ok) {
    const error = (parsed.error ?? {}) as { code?: string; message?: string };
    if (response.status === 401) identity.value = null;
    throw new ApiError(error.code ?? `HTTP ${response.status}`, error.message ?? response.statusText, response.status);
  }
  return parsed;
}

export const whoAmI = () => request('GET', 'api/session') as Promise<Identity>;
export const signIn = (accessKeyId: string, secretAccessKey: string) => request('POST', 'api/session', { accessKeyId, secretAccessKey }) as Promise<Identity>;
export const signInWithPassword = (userName: string, password: string) => request('POST', 'api/session', { userName, password }) as Promise<Identity>;
/** IAM's ChangePassword as the signed-in user (the account's password policy applies). */
export const changePassword = (oldPassword: string, newPassword: string) => request('POST', 'api/password', { oldPassword, newPassword });
/** A short-lived presigned wss:// URL for MQTT over WebSocket, signed with the session's own credential. */
export const mqttUrl = () => request('POST', 'api/mqtt-url', {}) as Promise<{ url: string; expiresAt: number }>;
export const signOut = () => request('POST', 'api/session/end', {});
export const signOutEverywhere = () => request('POST', 'api/session/end-everywhere', {});

/** One IoT control-plane operation (its REST method and path, as the AWS API defines them). */
export async function iot<T = Json>(method: string, path: string, opts: { query?: Record<string, string | undefined>; body?: unknown } = {}): Promise<T> {
  const query = Object.fromEntries(Object.entries(opts.query ?? {}).filter(([, v]) => v !== undefined && v !== '')) as Record<string, string>;
  const reply = (await request('POST', 'api/iot', { method, path, query, ...(opts.body === undefined ? {} : { body: opts.body }) })) as { body: T };
  return reply.body;
}

/** Path segments are encoded, as the SDKs do. */
export const seg = (s: string) => encodeURIComponent(s);

/** A console POST whose answer is a file: returns its bytes and the name the server gave it. */
export async function postForFile(path: string, body: unknown): Promise<{ blob: Blob; fileName: string; headers: Headers }> {
  const response = await fetch(path, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) {
    const parsed = (await response.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
    if (response.status === 401) identity.value = null;
    throw new ApiError(parsed.error?.code ?? `HTTP ${response.status}`, parsed.error?.message ?? response.statusText, response.status);
  }
  const disposition = response.headers.get('content-disposition') ?? '';
  const fileName = /filename="([^"]+)"/.exec(disposition)?.[1] ?? 'download';
  return { blob: await response.blob(), fileName, headers: response.headers };
}

/** Hands bytes to the browser as a download (a same-origin object URL, revoked once used). */
export function saveFile(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
