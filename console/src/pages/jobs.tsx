import { iot, seg } from '../api.js';
import { href } from '../router.js';
import { Empty, ErrorBox, Loading, Page, Table, useLoad } from '../ui.js';

interface JobSummary {
  jobId: string;
  status?: string;
  targetSelection?: string;
  createdAt?: number;
}

export function Jobs() {
  const { data, error, loading } = useLoad(() => iot<{ jobs?: JobSummary[] }>('GET', '/jobs', { query: { maxResults: '100' } }), []);
  const jobs = data?.jobs ?? [];
  return (
    <Page title="Jobs">
      <ErrorBox error={error} />
      {loading && !data && <Loading what="jobs" />}
      {data && (
        <Table caption={`${jobs.length} jobs`} head={['Job', 'Status', 'Target selection']}>
          {jobs.length === 0 && <Empty colSpan={3}>No job yet. Create one with ferry job create or aws iot create-job.</Empty>}
          {jobs.map((j) => (
            <tr key={j.jobId}>
              <td>
                <a href={href(`/jobs/${j.jobId}`)}>{j.jobId}</a>
              </td>
              <td>{j.status ?? '—'}</td>
              <td>{j.targetSelection ?? '—'}</td>
            </tr>
          ))}
        </Table>
      )}
    </Page>
  );
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

export function Job({ id }: { id: string }) {
  const { data, error, loading } = useLoad(async () => {
    const [described, executions] = await Promise.all([
      iot<{ job?: { status?: string; description?: string; targets?: string[]; jobProcessDetails?: Record<string, number> } }>('GET', `/jobs/${seg(id)}`),
      iot<{ executionSummaries?: Array<{ thingArn: string; jobExecutionSummary?: { status?: string } }> }>('GET', `/jobs/${seg(id)}/things`, { query: { maxResults: '250' } }),
    ]);
    return { job: described.job ?? {}, executions: executions.executionSummaries ?? [] };
  }, [id]);
  return (
    <Page title={`Job ${id}`}>
      <ErrorBox error={error} />
      {loading && !data && <Loading what="the job" />}
      {data && (
        <>
          <p>
            Status: <strong>{data.job.status}</strong>. {data.job.description}
          </p>
          <ul class="cards" aria-live="polite">
            {COUNTERS.map(([key, label]) => (
              <li key={key}>
                <span class="count">{data.job.jobProcessDetails?.[key] ?? 0}</span> {label}
              </li>
            ))}
          </ul>
          <Table caption="Executions per thing" head={['Thing', 'Status']}>
            {data.executions.length === 0 && <Empty colSpan={2}>No execution yet.</Empty>}
            {data.executions.map((e) => {
              const thing = e.thingArn.slice(e.thingArn.lastIndexOf('/') + 1);
              return (
                <tr key={e.thingArn}>
                  <td>
                    <a href={href(`/things/${thing}`)}>{thing}</a>
                  </td>
                  <td>{e.jobExecutionSummary?.status ?? '—'}</td>
                </tr>
              );
            })}
          </Table>
        </>
      )}
    </Page>
  );
}
