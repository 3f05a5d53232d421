import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { AuditDecision } from '../audit/scope.js';
import { runInRequestScope, type RequestScope } from '../audit/scope.js';
import type { AuditLog, AuditResource, NewAuditEvent } from '../audit/log.js';
import type { Principal } from '../iam/principal.js';
import type { OperatorRefusal } from '../mqtt/authorize-subscribe.js';

type Listener = 'api' | 'device' | 's3';

/**
 * Gives every request of a listener its request scope (the condition keys
 * aws:SourceIp, aws:SecureTransport, aws:UserAgent, aws:CurrentTime, and the
 * decisions made for it) and, once answered, its audit event: every
 * authenticated operator request on the api and device listeners, and S3
 * writes and denied S3 reads. Devices (certificates) and unauthenticated
 * requests are not operators and are not recorded. The event holds the
 * caller's ARN and access key id, never a secret, token or signature.
 */
export function installAuditHooks(app: FastifyInstance, listener: Listener, deps: { audit: AuditLog; clock: Clock; logger: Logger }): void {
  // onResponse runs from the socket's 'finish', outside the request's async context: the scope is kept by request too.
  const scopes = new WeakMap<FastifyRequest, RequestScope>();
  app.addHook('onRequest', (request, _reply, done) => {
    const now = deps.clock.now();
    const userAgent = request.headers['user-agent'];
    const scope: RequestScope = {
      context: {
        'aws:SourceIp': request.ip,
        'aws:SecureTransport': true,
        'aws:CurrentTime': new Date(now),
        'aws:EpochTime': Math.floor(now / 1000),
        ...(typeof userAgent === 'string' ? { 'aws:UserAgent': userAgent } : {}),
      },
      decisions: [],
    };
    scopes.set(request, scope);
    runInRequestScope(scope, done);
  });
  app.addHook('onResponse', async (request, reply) => {
    const principal = request.principal;
    if (!principal || principal.kind === 'certificate') return;
    const decisions = scopes.get(request)?.decisions ?? [];
    const event = auditEventOf(listener, request, reply.statusCode, principal, decisions);
    if (!event) return;
    // The reply is already sent: a failure to record is logged (the operator sees it), not answered.
    await deps.audit.record(event).catch((error: unknown) => deps.logger.error({ err: error }, 'recording the audit event failed'));
  });
}

function auditEventOf(listener: Listener, request: FastifyRequest, status: number, principal: Exclude<Principal, { kind: 'certificate' }>, decisions: AuditDecision[]): NewAuditEvent | undefined {
  const { source, name } = operationOf(listener, request, decisions);
  const readOnly = isReadOnly(request.method, name);
  const refusedBy = decisions.find((d) => d.effect !== 'Allowed');
  const deniedByStatus = status === 403 || request.awsError?.code === 'AccessDenied' || request.awsError?.code === 'AccessDeniedException';
  const decision: AuditDecision | undefined = refusedBy ?? (deniedByStatus ? undefined : decisions[decisions.length - 1]);
  const effect = decision?.effect ?? (deniedByStatus ? (/explicit deny/i.test(request.awsError?.message ?? '') ? 'ExplicitDeny' : 'ImplicitDeny') : 'Allowed');
  // S3: reads are recorded only when they were denied (CloudTrail's data events are opt-in; the refusals matter).
  if (listener === 's3' && readOnly && effect === 'Allowed') return undefined;
  const event: NewAuditEvent = {
    EventSource: source,
    EventName: name,
    ReadOnly: readOnly,
    UserType: principal.kind === 'root' ? 'Root' : principal.kind === 'role-session' ? 'AssumedRole' : 'IAMUser',
    UserArn: principal.arn,
    AccessKeyId: principal.accessKeyId,
    SourceIPAddress: request.ip,
    RequestID: String(request.id),
    Resources: resourcesOf(decisions),
    Decision: effect,
    Status: status,
  };
  const username = usernameOf(principal);
  if (username !== undefined) event.Username = username;
  const userAgent = request.headers['user-agent'];
  if (typeof userAgent === 'string') event.UserAgent = userAgent.slice(0, 1024);
  if (decision?.decidedBy !== undefined) event.DecidedBy = decision.decidedBy;
  if (request.awsError) {
    event.ErrorCode = request.awsError.code;
    event.ErrorMessage = request.awsError.message.slice(0, 1024);
  }
  return event;
}

/** Source and name as CloudTrail gives them: `s3.amazonaws.com` / `GetObject`. */
function operationOf(listener: Listener, request: FastifyRequest, decisions: AuditDecision[]): { source: string; name: string } {
  const named = request.operation;
  if (named && named.includes(':')) {
    const [service, name] = named.split(':') as [string, string];
    return { source: `${service}.amazonaws.com`, name };
  }
  const decided = decisions[0]?.action;
  if (decided && decided.includes(':')) {
    const [service, name] = decided.split(':') as [string, string];
    return { source: `${service}.amazonaws.com`, name };
  }
  const route = request.routeOptions.url ?? request.url.split('?')[0] ?? '';
  return { source: listener === 'device' ? 'iot-jobs-data.amazonaws.com' : 'iot.amazonaws.com', name: `${request.method} ${route}` };
}

const READ_NAMES = /^(Get|List|Describe|Head|Search|Test|Lookup)/;

function isReadOnly(method: string, name: string): boolean {
  if (/^[A-Z]+ /.test(name)) return method === 'GET' || method === 'HEAD';
  return READ_NAMES.test(name);
}

function usernameOf(principal: Exclude<Principal, { kind: 'certificate' }>): string | undefined {
  if (principal.kind === 'root') return 'root';
  const parts = principal.arn.split('/');
  // A user's name; an assumed role's session name is `Role/Session`, as CloudTrail shows it.
  return principal.kind === 'role-session' ? parts.slice(-2).join('/') : parts[parts.length - 1];
}

function resourcesOf(decisions: AuditDecision[]): AuditResource[] {
  const seen = new Set<string>();
  const out: AuditResource[] = [];
  for (const d of decisions) {
    if (d.resource === '' || d.resource === '*' || seen.has(d.resource)) continue;
    seen.add(d.resource);
    out.push({ ResourceType: resourceTypeOf(d.resource), ResourceName: d.resource });
  }
  return out;
}

/** `arn:aws:s3:::b/k` → AWS::S3::Object; `arn:aws:iot:R:A:thing/x` → AWS::IoT::Thing. */
export function resourceTypeOf(arn: string): string {
  const [, , service = '', , , rest = ''] = arn.split(':');
  if (service === 's3') return rest.includes('/') ? 'AWS::S3::Object' : 'AWS::S3::Bucket';
  const type = rest.split('/')[0] ?? '';
  const pascal = type.replace(/(^|[-_])([a-z])/g, (_m, _s, c: string) => c.toUpperCase());
  const service_ = service === 'iot' ? 'IoT' : service === 'iam' ? 'IAM' : service.toUpperCase();
  return `AWS::${service_}::${pascal || 'Resource'}`;
}

/**
 * An operator's MQTT request over a SigV4 WebSocket that its IAM policies
 * refused (the console's MQTT test client), as an audit event like a refused
 * API request. The broker's compiled decision does not say whether a Deny
 * statement or no statement refused it: Decision is `Deny`.
 */
export function mqttRefusalEvent(refusal: OperatorRefusal, requestId: string): NewAuditEvent {
  const [service, name] = refusal.action.split(':') as [string, string];
  const { principal } = refusal;
  const event: NewAuditEvent = {
    EventSource: `${service}.amazonaws.com`,
    EventName: name,
    ReadOnly: true,
    UserType: principal.kind === 'root' ? 'Root' : principal.kind === 'role-session' ? 'AssumedRole' : 'IAMUser',
    UserArn: principal.arn,
    AccessKeyId: principal.accessKeyId,
    RequestID: requestId,
    Resources: [{ ResourceType: resourceTypeOf(refusal.resource), ResourceName: refusal.resource }],
    Decision: 'Deny',
    ErrorCode: 'AccessDenied',
    ErrorMessage: `${refusal.message} (client ${refusal.clientId})`.slice(0, 1024),
    // MQTT has no HTTP status: SUBACK 0x80 is answered, recorded as the 403 an API refusal gets.
    Status: 403,
  };
  if (refusal.sourceIp !== undefined) event.SourceIPAddress = refusal.sourceIp;
  const username = usernameOf(principal);
  if (username !== undefined) event.Username = username;
  return event;
}
