/**
 * Console sessions: server-side records behind an opaque id (the browser holds only the
 * id, in an HttpOnly cookie). A session is bound to the access key that signed in; it ends
 * at sign-out, "sign out everywhere", after an idle period or at its absolute lifetime.
 * Held by the node that created it (a cluster's balancer keeps a browser on one node, or
 * the user signs in again).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';

export interface ConsoleIdentity {
  accessKeyId: string;
  arn: string;
  kind: string;
}

export interface ConsoleSession extends ConsoleIdentity {
  createdAt: number;
  lastUsedAt: number;
  expiresAt: number;
}

export interface SessionLimits {
  /** Ends a session unused this long. */
  idleMs: number;
  /** Ends a session this long after sign-in, used or not. */
  absoluteMs: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = { idleMs: 30 * 60_000, absoluteMs: 12 * 3600_000 };

/** Only a hash of each id is kept, so what is in memory cannot be replayed as a cookie. */
const keyOf = (id: string) => createHash('sha256').update(id).digest('base64url');

export class ConsoleSessions {
  private readonly sessions = new Map<string, ConsoleSession>();

  constructor(
    private readonly clock: Clock,
    private readonly limits: SessionLimits = DEFAULT_SESSION_LIMITS,
  ) {}

  /** A new session; returns its id (256 random bits) and the record. */
  create(identity: ConsoleIdentity): { id: string; session: ConsoleSession } {
    this.sweep();
    const now = this.clock.now();
    const id = randomBytes(32).toString('base64url');
    const session: ConsoleSession = { ...identity, createdAt: now, lastUsedAt: now, expiresAt: now + this.limits.absoluteMs };
    this.sessions.set(keyOf(id), session);
    return { id, session };
  }

  /** The live session of this id (its idle timer restarted), or undefined when unknown or timed out. */
  use(id: string): ConsoleSession | undefined {
    const key = keyOf(id);
    const session = this.sessions.get(key);
    if (!session) return undefined;
    const now = this.clock.now();
    if (now >= session.expiresAt || now - session.lastUsedAt >= this.limits.idleMs) {
      this.sessions.delete(key);
      return undefined;
    }
    session.lastUsedAt = now;
    return session;
  }

  end(id: string): void {
    this.sessions.delete(keyOf(id));
  }

  /** Ends every session of this access key; returns how many. */
  endAllOf(accessKeyId: string): number {
    let ended = 0;
    for (const [key, session] of this.sessions) {
      if (session.accessKeyId !== accessKeyId) continue;
      this.sessions.delete(key);
      ended += 1;
    }
    return ended;
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [key, s] of this.sessions) if (now >= s.expiresAt || now - s.lastUsedAt >= this.limits.idleMs) this.sessions.delete(key);
  }
}
