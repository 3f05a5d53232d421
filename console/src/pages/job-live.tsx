import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api.js';
import { href } from '../router.js';
import { Empty, ErrorBox, Page, Table } from '../ui.js';

interface JobState {
  status?: string;
  /** "rate 50/min  ·  3 more FAILED cancel this job", while the job runs with such configs. */
  rollout?: string;
  /** The pacer's state while the job runs (src/jobs/rollout-state.ts). */
  rolloutState?: RolloutState;
  jobProcessDetails: Record<string, number>;
  reasonCode?: string;
  comment?: string;
  forceCanceled?: boolean;
}
interface RolloutState {
  ratePerMinute: number | null;
  rateKind: 'unlimited' | 'constant' | 'exponential';
  nextNotifyAtMs?: number;
  leftThisMinute: number | null;
  abort: Array<{ failureType: string; thresholdPercentage: number; failures: number; ended: number; moreToAbort: number | null }>;
}

const clockTime = (ms: number) => `${new Date(ms).toISOString().slice(11, 19)} UTC`;

/** "2 a minute now, 0 left this minute · next devices notified at 14:03:00 UTC · FAILED: 1 of 4 ended, 2 more stop the job (50 %)". */
export function rolloutStateText(s: RolloutState): string {
  const parts: string[] = [];
  if (s.ratePerMinute !== null) parts.push(`${s.ratePerMinute} a minute now (${s.rateKind}), ${s.leftThisMinute ?? 0} left this minute`);
  if (s.nextNotifyAtMs !== undefined) parts.push(`next devices notified at ${clockTime(s.nextNotifyAtMs)}`);
  else if (s.ratePerMinute !== null) parts.push('every device has been notified');
  for (const a of s.abort) {
    const type = a.failureType === 'ALL' ? 'failures' : a.failureType;
    parts.push(a.moreToAbort === null ? `${type}: ${a.failures} of ${a.ended} ended, cannot reach ${a.thresholdPercentage} %` : a.moreToAbort === 0 ? `${type}: ${a.failures} of ${a.ended} ended, the ${a.thresholdPercentage} % threshold is met` : `${type}: ${a.failures} of ${a.ended} ended, ${a.moreToAbort} more stop the job (${a.thresholdPercentage} %)`);
  }
  return parts.join(' · ');
}

interface Row {
  thingName: string;
  status: string;
  executionNumber?: number;
  statusDetails?: Record<string, string>;
}

/** One step of a device's timeline, from the job's event history (the stream's `history` events). */
interface Step {
  historyId: number;
  time: string;
  kind: string;
  thingName?: string;
  details: { statusDetails?: Record<string, string>; key?: string; [k: string]: unknown };
}

const KIND_LABELS: Record<string, string> = {
  'execution.QUEUED': 'queued',
  'execution.notified': 'notified',
  'execution.IN_PROGRESS': 'started',
  'link.issued': 'link issued',
  'link.used': 'downloaded',
};
/** "failed: reason: disk full" — the final status with its statusDetails, a link with its object. */
function stepLabel(step: Step): string {
  const base = KIND_LABELS[step.kind] ?? step.kind.replace(/^execution\./, '').toLowerCase().replaceAll('_', ' ');
  const extra = step.kind.startsWith('link.') ? step.details.key : step.kind === 'execution.IN_PROGRESS' ? '' : details(step.details.statusDetails);
  return extra ? `${base}: ${extra}` : base;
}

const COUNTERS: Array<[string, string]> = [
  ['numberOfQueuedThings', 'Queued'],
  ['numberOfInProgressThings', 'In progress'],
  ['numberOfSucceededThings', 'Succeeded'],
  ['numberOfFailedThings', 'Failed'],
  ['numberOfRejectedThings', 'Rejected'],
  ['numberOfTimedOutThings', 'Timed out'],
  ['numberOfCanceledThings', 'Canceled'],
  ['numberOfRemovedThings', 'Removed'],
];
const FINISHED = ['numberOfSucceededThings', 'numberOfFailedThings', 'numberOfRejectedThings', 'numberOfTimedOutThings', 'numberOfCanceledThings', 'numberOfRemovedThings'];
const STATUSES = ['QUEUED', 'IN_PROGRESS', 'SUCCEEDED', 'FAILED', 'REJECTED', 'TIMED_OUT', 'CANCELED', 'REMOVED'];

/** statusDetails as "step: download, percent: 40". */
const details = (d?: Record<string, string>) => (d ? Object.entries(d).map(([k, v]) => `${k}: ${v}`).join(', ') : '');

async function cancel(jobId: string, force: boolean): Promise<void> {
  const response = await fetch(`api/flows/jobs/${encodeURIComponent(jobId)}/cancel`, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ force }) });
  if (!response.ok) {
    const parsed = (await response.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
    throw new ApiError(parsed.error?.code ?? `HTTP ${response.status}`, parsed.error?.message ?? response.statusText, response.status);
  }
}

/** A job, live: one event stream for the tab (the browser resumes it with Last-Event-ID after a drop). */
export function JobLive({ id }: { id: string }) {
  const [job, setJob] = useState<JobState | undefined>(undefined);
  const [rows, setRows] = useState<Record<string, Row>>({});
  const [timelines, setTimelines] = useState<Record<string, Step[]>>({});
  const [expanded, setExpanded] = useState<Record<string, boolean>>({});
  const [lastId, setLastId] = useState('');
  const [connected, setConnected] = useState(false);
  const [filter, setFilter] = useState('');
  const [confirming, setConfirming] = useState<'cancel' | 'force' | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  useEffect(() => {
    const source = new EventSource(`api/flows/jobs/${encodeURIComponent(id)}/events`);
    source.onopen = () => setConnected(true);
    source.onerror = () => setConnected(false);
    source.addEventListener('job', (e) => {
      const m = e as MessageEvent<string>;
      setJob(JSON.parse(m.data) as JobState);
      setLastId(m.lastEventId);
    });
    source.addEventListener('execution', (e) => {
      const m = e as MessageEvent<string>;
      const row = JSON.parse(m.data) as Row;
      setRows((r) => ({ ...r, [row.thingName]: row }));
      setLastId(m.lastEventId);
    });
    source.addEventListener('history', (e) => {
      const m = e as MessageEvent<string>;
      const step = JSON.parse(m.data) as Step;
      setLastId(m.lastEventId);
      if (!step.thingName) return;
      const thing = step.thingName;
      // A resume without the history cursor resends the history: keep each step once.
      setTimelines((t) => ((t[thing] ?? []).some((s) => s.historyId === step.historyId) ? t : { ...t, [thing]: [...(t[thing] ?? []), step] }));
    });
    source.addEventListener('problem', (e) => setError(new Error((JSON.parse((e as MessageEvent<string>).data) as { message: string }).message)));
    return () => source.close();
  }, [id]);
  const counts = job?.jobProcessDetails ?? {};
  const total = COUNTERS.reduce((n, [k]) => n + (counts[k] ?? 0), 0);
  const finished = FINISHED.reduce((n, k) => n + (counts[k] ?? 0), 0);
  const shown = Object.values(rows)
    .filter((r) => !filter || r.status === filter)
    .sort((a, b) => a.thingName.localeCompare(b.thingName));
  const act = async (force: boolean) => {
    setError(undefined);
    try {
      await cancel(id, force);
      setConfirming(undefined);
    } catch (e) {
      setError(e);
    }
  };
  const active = job?.status === 'IN_PROGRESS' || job?.status === 'SCHEDULED';
  return (
    <Page title={`Job ${id}`}>
      <p>
        Status: <strong data-testid="job-status">{job?.status ?? '…'}</strong>
        {job?.forceCanceled && ' (force-canceled)'}
        {job?.comment && <> — {job.comment}</>}
        <span class="hint" data-last-event-id={lastId}>
          {' '}
          {connected ? 'Live.' : 'Reconnecting…'}
        </span>
      </p>
      {job?.rollout && <p data-testid="job-rollout">Rollout: {job.rollout}</p>}
      {job?.rolloutState && rolloutStateText(job.rolloutState) && (
        <p data-testid="job-rollout-state" data-next-notify-at={job.rolloutState.nextNotifyAtMs ?? ''}>
          Pacer: {rolloutStateText(job.rolloutState)}
        </p>
      )}
      <ErrorBox error={error} />
      <p>
        <label for="job-progress">
          {finished} of {total} devices finished
        </label>
        <progress id="job-progress" max={total || 1} value={finished} />
      </p>
      <ul class="cards" aria-live="polite">
        {COUNTERS.map(([key, label]) => (
          <li key={key} data-counter={key}>
            <span class="count">{counts[key] ?? 0}</span> {label}
          </li>
        ))}
      </ul>
      {active && (
        <div class="actions">
          {confirming === undefined && (
            <>
              <button type="button" class="danger" onClick={() => setConfirming('cancel')}>
                Cancel job
              </button>
              <button type="button" class="danger" onClick={() => setConfirming('force')}>
                Force-cancel job
              </button>
            </>
          )}
          {confirming && (
            <>
              <span role="alert">
                {confirming === 'force' ? 'Force-cancel also cancels executions in progress on devices. ' : 'Queued executions are canceled; those in progress finish. '}
                Sure?
              </span>
              <button type="button" class="danger" onClick={() => act(confirming === 'force')}>
                Yes, {confirming === 'force' ? 'force-cancel' : 'cancel'}
              </button>
              <button type="button" onClick={() => setConfirming(undefined)}>
                No, keep it
              </button>
            </>
          )}
        </div>
      )}
      <p>
        <label for="job-filter">Show devices</label>
        <select id="job-filter" value={filter} onChange={(e) => setFilter((e.target as HTMLSelectElement).value)}>
          <option value="">all statuses</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </p>
      <Table caption={`${shown.length} devices`} head={['Thing', 'Status', 'Details', 'Execution']}>
        {shown.length === 0 && <Empty colSpan={4}>{filter ? `No device is ${filter}.` : 'No execution yet.'}</Empty>}
        {shown.map((r) => {
          const open = expanded[r.thingName] === true;
          const steps = timelines[r.thingName] ?? [];
          return (
            <Fragment key={r.thingName}>
              <tr data-thing={r.thingName} data-status={r.status}>
                <td>
                  <button type="button" class="link" aria-expanded={open} aria-controls={open ? `timeline-${r.thingName}` : undefined} aria-label={`Timeline of ${r.thingName}`} onClick={() => setExpanded((x) => ({ ...x, [r.thingName]: !open }))}>
                    {open ? '▾' : '▸'}
                  </button>{' '}
                  <a href={href(`/things/${r.thingName}`)}>{r.thingName}</a>
                </td>
                <td>{r.status}</td>
                <td>{details(r.statusDetails)}</td>
                <td>{r.executionNumber ?? '—'}</td>
              </tr>
              {open && (
                <tr class="timeline">
                  <td colSpan={4}>
                    {steps.length === 0 ? (
                      <p id={`timeline-${r.thingName}`}>Nothing recorded yet.</p>
                    ) : (
                      <ol id={`timeline-${r.thingName}`} aria-label={`Timeline of ${r.thingName}`}>
                        {steps.map((step) => (
                          <li key={step.historyId} data-kind={step.kind}>
                            <time dateTime={step.time}>{step.time}</time> {stepLabel(step)}
                          </li>
                        ))}
                      </ol>
                    )}
                  </td>
                </tr>
              )}
            </Fragment>
          );
        })}
      </Table>
    </Page>
  );
}
