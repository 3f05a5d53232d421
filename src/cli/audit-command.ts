import { Command } from 'commander';
import type { LookupAuditEventsRequest } from '../api/ferry/audit.js';
import type { AuditEvent, AuditPage } from '../audit/log.js';
import { withServer, type Connection } from './client-config.js';
import { configureTree, withConnection, type ConnectionFlags } from './command.js';
import { ferryRequest } from './ferry-api.js';
import { processIo, UsageError, type CliIo } from './io.js';
import { action, printJson, printTable } from './output.js';

interface AuditFlags extends ConnectionFlags {
  since?: string;
  user?: string;
  action?: string;
  denied?: boolean;
  limit?: string;
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since 2h`, `--since 7d`, or an ISO 8601 time. */
export function sinceMs(value: string, nowMs: number): number {
  const relative = /^(\d+)([smhd])$/.exec(value);
  if (relative) return nowMs - Number(relative[1]) * UNITS[relative[2]!]!;
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw new UsageError(`--since takes a duration such as 2h or 7d, or an ISO 8601 time (got ${JSON.stringify(value)})`);
  return ms;
}

/** `ferry audit`: who did what, newest first; denials marked. */
export function auditCommand(io: CliIo = processIo()): Command {
  const cmd = withConnection(
    new Command('audit')
      .description('the audit log: every operator request (IoT, IAM, STS, S3 writes and denied S3 reads), newest first')
      .option('--since <when>', 'only events since then: a duration (30m, 2h, 7d) or an ISO 8601 time')
      .option('--user <name|arn>', "only this caller's events (a user name, root, Role/Session, or an ARN)")
      .option('--action <name>', 'only this operation, e.g. CreateJob or PutBucketPolicy')
      .option('--denied', 'only the requests that were denied')
      .option('--limit <n>', 'at most this many events (default: all)'),
  );
  cmd.action(
    action(io, async (flags: AuditFlags) => {
      const limit = flags.limit === undefined ? Infinity : Number(flags.limit);
      if (!(limit >= 1)) throw new UsageError('--limit takes a positive integer');
      const query: LookupAuditEventsRequest = {
        ...(flags.since ? { startTime: sinceMs(flags.since, Date.now()) } : {}),
        ...(flags.user ? { user: flags.user } : {}),
        ...(flags.action ? { eventName: flags.action } : {}),
        ...(flags.denied ? { deniedOnly: true } : {}),
      };
      const events = await withServer(flags, io, (conn) => lookupAll(conn, query, limit));
      if (flags.json) return printJson(io.stdout, events);
      printTable(
        io.stdout,
        ['TIME', 'USER', 'SOURCE', 'EVENT', 'RESULT', 'ERROR', 'RESOURCES'],
        events.map((e) => [e.EventTime, e.Username ?? e.UserArn, e.EventSource.replace('.amazonaws.com', ''), e.EventName, result(e), e.ErrorCode, e.Resources.map((r) => r.ResourceName).join(' ')]),
      );
    }),
  );
  return configureTree(cmd, io);
}

function result(e: AuditEvent): string {
  if (e.Decision === 'Allowed') return e.ErrorCode ? 'allowed (failed)' : 'allowed';
  const by = e.DecidedBy ?? 'no statement allows';
  return `DENIED ${e.Decision === 'ExplicitDeny' ? 'explicit deny' : 'implicit'}: ${by}`;
}

/** POST /ferry/audit/events, page after page. */
export async function lookupAll(conn: Connection, query: LookupAuditEventsRequest, limit = Infinity): Promise<AuditEvent[]> {
  const out: AuditEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page: AuditPage = await ferryRequest<AuditPage>(conn, 'POST', '/ferry/audit/events', { ...query, maxResults: Math.min(1000, limit - out.length), ...(nextToken ? { nextToken } : {}) });
    out.push(...page.events);
    nextToken = page.nextToken;
  } while (nextToken && out.length < limit);
  return out;
}
