import { AsyncLocalStorage } from 'node:async_hooks';
import type { ConditionContext } from '../policy/index.js';

/** How one authorization check of a request came out, for the audit log. */
export interface AuditDecision {
  action: string;
  resource: string;
  effect: 'Allowed' | 'ExplicitDeny' | 'ImplicitDeny';
  /** The statement that decided, e.g. `bucket policy Statement[1] (Sid DenyAll)`; absent when no statement matched. */
  decidedBy?: string;
}

/**
 * What the request being served carries past the adapter without being
 * threaded through every domain signature: the request's condition keys
 * (aws:SourceIp, aws:SecureTransport, aws:UserAgent …) and the decisions
 * the domain's decision points made for it (read by the audit log).
 */
export interface RequestScope {
  context: ConditionContext;
  decisions: AuditDecision[];
}

const storage = new AsyncLocalStorage<RequestScope>();

/**
 * Runs `next` (the rest of a request: a Fastify hook's `done`) inside
 * `scope`, as @fastify/request-context does, so every continuation of the
 * request sees it.
 */
export function runInRequestScope(scope: RequestScope, next: () => void): void {
  storage.run(scope, next);
}

export function currentScope(): RequestScope | undefined {
  return storage.getStore();
}

/** The request's condition keys (empty outside a request, e.g. the server's own checks). */
export function requestContext(): ConditionContext {
  return storage.getStore()?.context ?? {};
}

/** Records a decision for the current request's audit entry (no-op outside a request). */
export function recordDecision(decision: AuditDecision): void {
  storage.getStore()?.decisions.push(decision);
}
