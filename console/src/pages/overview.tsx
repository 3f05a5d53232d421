import { iot, seg } from '../api.js';
import { href } from '../router.js';
import { ErrorBox, Loading, Page, useLoad } from '../ui.js';

interface Counts {
  things: string;
  groups: string;
  certificates: string;
  policies: string;
  connected: string;
  inProgress: Array<{ jobId: string }>;
  failures: Array<{ jobId: string; failed: number; status: string }>;
}

/** "250+" when the first page was full: the overview never walks a whole fleet. */
const counted = (items: unknown[] | undefined, next: unknown) => `${items?.length ?? 0}${next ? '+' : ''}`;

async function loadCounts(): Promise<Counts> {
  const [things, groups, certificates, policies, inProgress, jobs] = await Promise.all([
    iot<{ things?: unknown[]; nextToken?: string }>('GET', '/things', { query: { maxResults: '250' } }),
    iot<{ thingGroups?: unknown[]; nextToken?: string }>('GET', '/thing-groups', { query: { maxResults: '250' } }),
    iot<{ certificates?: unknown[]; nextMarker?: string }>('GET', '/certificates', { query: { pageSize: '250' } }),
    iot<{ policies?: unknown[]; nextMarker?: string }>('GET', '/policies', { query: { pageSize: '250' } }),
    iot<{ jobs?: Array<{ jobId: string }> }>('GET', '/jobs', { query: { status: 'IN_PROGRESS', maxResults: '50' } }),
    iot<{ jobs?: Array<{ jobId: string; status: string }> }>('GET', '/jobs', { query: { maxResults: '20' } }),
  ]);
  // Connected devices come from the fleet index's connectivity (free in Ferry); unknown when indexing is off.
  const connected = await iot<{ things?: unknown[]; nextToken?: string }>('POST', '/indices/search', { body: { queryString: 'connectivity.connected:true', maxResults: 100 } }).then(
    (r) => counted(r.things, r.nextToken),
    () => 'unknown (fleet indexing off)',
  );
  const described = await Promise.all((jobs.jobs ?? []).map((j) => iot<{ job?: { jobProcessDetails?: { numberOfFailedThings?: number; numberOfTimedOutThings?: number; numberOfRejectedThings?: number } } }>('GET', `/jobs/${seg(j.jobId)}`).then((d) => ({ j, d }))));
  const failures = described
    .map(({ j, d }) => {
      const p = d.job?.jobProcessDetails ?? {};
      return { jobId: j.jobId, status: j.status, failed: (p.numberOfFailedThings ?? 0) + (p.numberOfTimedOutThings ?? 0) + (p.numberOfRejectedThings ?? 0) };
    })
    .filter((f) => f.failed > 0);
  return {
    things: counted(things.things, things.nextToken),
    groups: counted(groups.thingGroups, groups.nextToken),
    certificates: counted(certificates.certificates, certificates.nextMarker),
    policies: counted(policies.policies, policies.nextMarker),
    connected,
    inProgress: inProgress.jobs ?? [],
    failures,
  };
}

export function Overview() {
  const { data, error, loading } = useLoad(loadCounts, []);
  return (
    <Page title="Overview">
      <ErrorBox error={error} />
      {loading && !data && <Loading what="the overview" />}
      {data && (
        <>
          <ul class="cards" aria-live="polite">
            <li>
              <a href={href('/things')}>
                <span class="count">{data.things}</span> things
              </a>
            </li>
            <li>
              <a href={href('/things')}>
                <span class="count">{data.connected}</span> connected now
              </a>
            </li>
            <li>
              <a href={href('/groups')}>
                <span class="count">{data.groups}</span> thing groups
              </a>
            </li>
            <li>
              <a href={href('/security')}>
                <span class="count">{data.certificates}</span> certificates
              </a>
            </li>
            <li>
              <a href={href('/security')}>
                <span class="count">{data.policies}</span> IoT policies
              </a>
            </li>
            <li>
              <a href={href('/jobs')}>
                <span class="count">{data.inProgress.length}</span> jobs in progress
              </a>
            </li>
          </ul>
          <h2>Jobs in progress</h2>
          {data.inProgress.length === 0 ? (
            <p>No job is in progress. Create one with <code>ferry job create</code> or <code>aws iot create-job</code>.</p>
          ) : (
            <ul>
              {data.inProgress.map((j) => (
                <li key={j.jobId}>
                  <a href={href(`/jobs/${j.jobId}`)}>{j.jobId}</a>
                </li>
              ))}
            </ul>
          )}
          <h2>Recent failures</h2>
          {data.failures.length === 0 ? (
            <p>No recent job has failed, timed-out or rejected executions.</p>
          ) : (
            <ul>
              {data.failures.map((f) => (
                <li key={f.jobId}>
                  <a href={href(`/jobs/${f.jobId}`)}>{f.jobId}</a> ({f.status}): {f.failed} failed, timed out or rejected
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </Page>
  );
}
