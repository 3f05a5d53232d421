/**
 * Activity: the audit log (every operator request, with its decision) and, for a thing or a
 * job, its lifecycle and job events. The audit log is read as `ferry audit` reads it
 * (POST /ferry/audit/events, authorized as cloudtrail:LookupEvents); the events from the
 * history routes (authorized as DescribeThing / DescribeJob).
 */
import { useState } from 'preact/hooks';
import { iot, seg } from '../api.js';
import { Empty, ErrorBox, Loading, Page, Table, useLoad } from '../ui.js';

interface AuditEvent {
  EventId: string;
  EventTime: string;
  EventSource: string;
  EventName: string;
  UserArn: string;
  Username?: string;
  Resources: Array<{ ResourceType: string; ResourceName: string }>;
  Decision: string;
  DecidedBy?: string;
  ErrorCode?: string;
  ErrorMessage?: string;
}
interface HistoryEvent {
  id: number;
  time: string;
  kind: string;
  thingName?: string;
  clientId?: string;
  jobId?: string;
  details: Record<string, unknown>;
}
type Outcome = '' | 'allowed' | 'denied';
interface Filters {
  user: string;
  thing: string;
  job: string;
  outcome: Outcome;
}

const AUDIT_PAGE = 200;
const HISTORY_PAGE = 200;
const NONE: Filters = { user: '', thing: '', job: '', outcome: '' };

/** The audit events matching the filters: the server filters by user and denial; outcome "allowed", thing and job are matched here on the events' resources. */
async function audit(f: Filters): Promise<AuditEvent[]> {
  const page = await iot<{ events: AuditEvent[] }>('POST', '/ferry/audit/events', {
    body: { maxResults: AUDIT_PAGE, ...(f.user ? { user: f.user } : {}), ...(f.outcome === 'denied' ? { deniedOnly: true } : {}) },
  });
  const names = (e: AuditEvent) => e.Resources.map((r) => r.ResourceName);
  return page.events.filter(
    (e) =>
      (f.outcome !== 'allowed' || e.Decision === 'Allowed') &&
      (!f.thing || names(e).some((n) => n === f.thing || n.endsWith(`:thing/${f.thing}`))) &&
      (!f.job || names(e).some((n) => n === f.job || n.endsWith(`:job/${f.job}`))),
  );
}

/** The newest lifecycle and job events of the thing and/or job, newest first. */
async function history(f: Filters): Promise<HistoryEvent[] | undefined> {
  const read = (path: string) => iot<{ events: HistoryEvent[] }>('GET', path, { query: { latest: 'true', limit: String(HISTORY_PAGE) } }).then((p) => p.events);
  const lists = await Promise.all([f.thing ? read(`/ferry/things/${seg(f.thing)}/history`) : undefined, f.job ? read(`/ferry/jobs/${seg(f.job)}/history`) : undefined]);
  if (!f.thing && !f.job) return undefined;
  const [ofThing, ofJob] = lists;
  // Both given: the events of that thing in that job.
  const events = ofThing && ofJob ? ofThing.filter((e) => e.jobId === f.job) : (ofThing ?? ofJob ?? []);
  return [...events].sort((a, b) => b.id - a.id);
}

function decision(e: AuditEvent): string {
  if (e.Decision === 'Allowed') return e.ErrorCode ? `Allowed (failed: ${e.ErrorCode})` : 'Allowed';
  // `Deny`: the broker refused an MQTT request without knowing which statement decided.
  if (e.Decision === 'Deny') return 'Denied';
  return `Denied (${e.Decision === 'ExplicitDeny' ? 'explicit deny' : 'no statement allows'}${e.DecidedBy ? `: ${e.DecidedBy}` : ''})`;
}

const detailText = (d: Record<string, unknown>) =>
  Object.entries(d)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');

const inputValue = (set: (v: string) => void) => (e: Event) => set((e.target as HTMLInputElement).value);

export function Activity() {
  const [form, setForm] = useState<Filters>(NONE);
  const [applied, setApplied] = useState<Filters>(NONE);
  const field = (k: keyof Filters) => inputValue((v) => setForm((f) => ({ ...f, [k]: v })));
  const key = JSON.stringify(applied);
  const log = useLoad(() => audit(applied), [key]);
  const events = useLoad(() => history(applied), [key]);
  const apply = (event: Event) => {
    event.preventDefault();
    setApplied({ user: form.user.trim(), thing: form.thing.trim(), job: form.job.trim(), outcome: form.outcome });
  };
  return (
    <Page title="Activity">
      <p>Who did what (the audit log, as <code>ferry audit</code> shows it), and what happened to a thing or a job (its lifecycle and job events).</p>
      <form class="activity-filters" onSubmit={apply} aria-label="Filter activity">
        <p>
          <label for="activity-user">Identity</label>
          <input id="activity-user" value={form.user} onInput={field('user')} placeholder="user name or ARN" />
        </p>
        <p>
          <label for="activity-thing">Thing</label>
          <input id="activity-thing" value={form.thing} onInput={field('thing')} />
        </p>
        <p>
          <label for="activity-job">Job</label>
          <input id="activity-job" value={form.job} onInput={field('job')} />
        </p>
        <p>
          <label for="activity-outcome">Outcome</label>
          <select id="activity-outcome" value={form.outcome} onChange={(e) => setForm((f) => ({ ...f, outcome: (e.target as HTMLSelectElement).value as Outcome }))}>
            <option value="">Allowed and denied</option>
            <option value="allowed">Allowed</option>
            <option value="denied">Denied</option>
          </select>
        </p>
        <p>
          <button type="submit">Apply filters</button>{' '}
          <button type="button" onClick={() => (setForm(NONE), setApplied(NONE))}>
            Clear
          </button>
        </p>
      </form>
      <h2>Audit log</h2>
      <ErrorBox error={log.error} />
      {log.loading ? <Loading what="the audit log" /> : null}
      <Table caption={`Audit log, newest first (at most ${AUDIT_PAGE})`} head={['Time', 'Identity', 'Operation', 'Outcome', 'Resources']}>
        {log.data?.length === 0 ? <Empty colSpan={5}>No audit events match.</Empty> : null}
        {log.data?.map((e) => (
          <tr key={e.EventId} class={e.Decision === 'Allowed' ? 'allowed' : 'denied'}>
            <td>{e.EventTime}</td>
            <td>
              <code>{e.Username ?? e.UserArn}</code>
            </td>
            <td>
              {e.EventSource.replace('.amazonaws.com', '')}:{e.EventName}
            </td>
            <td class={e.Decision === 'Allowed' ? '' : 'error'}>{decision(e)}</td>
            <td>{e.Resources.map((r) => r.ResourceName).join(' ')}</td>
          </tr>
        ))}
      </Table>
      <h2>Lifecycle and job events</h2>
      <ErrorBox error={events.error} />
      {!applied.thing && !applied.job ? (
        <p class="hint">Filter by a thing or a job to see its events (connections, subscriptions, executions, links).</p>
      ) : (
        <Table caption={`Events of ${[applied.thing && `thing ${applied.thing}`, applied.job && `job ${applied.job}`].filter(Boolean).join(' in ')}, newest first`} head={['Time', 'Event', 'Thing', 'Job', 'Details']}>
          {events.data?.length === 0 ? <Empty colSpan={5}>No events recorded.</Empty> : null}
          {events.data?.map((e) => (
            <tr key={e.id}>
              <td>{e.time}</td>
              <td>{e.kind}</td>
              <td>{e.thingName ?? ''}</td>
              <td>{e.jobId ?? ''}</td>
              <td>{detailText(e.details)}</td>
            </tr>
          ))}
        </Table>
      )}
    </Page>
  );
}
