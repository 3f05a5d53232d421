import { iot, seg } from '../api.js';
import { href } from '../router.js';
import { arnName, Empty, ErrorBox, Loading, Page, Table, useLoad } from '../ui.js';
import { CertificateActions } from './certificates.js';

interface ThingDetails {
  thing: { thingName: string; thingArn: string; thingTypeName?: string; attributes?: Record<string, string>; version?: number };
  certificates: Array<{ arn: string; id: string; status: string; policies: string[] }>;
  groups: Array<{ groupName: string; groupArn: string; policies: string[] }>;
  jobs: Array<{ jobId: string; jobExecutionSummary?: { status?: string; executionNumber?: number } }>;
  events: HistoryEvent[];
}

/** An entry of the server's event history (GET /ferry/things/{name}/history). */
interface HistoryEvent {
  id: number;
  time: string;
  kind: string;
  jobId?: string;
  details: Record<string, unknown>;
}

/** The newest events first, as a timeline reads on a page. */
const RECENT_EVENTS = 20;

async function loadThing(name: string): Promise<ThingDetails> {
  const thing = await iot<ThingDetails['thing']>('GET', `/things/${seg(name)}`);
  const [principals, groups, jobs, history] = await Promise.all([
    iot<{ principals?: string[] }>('GET', `/things/${seg(name)}/principals`),
    iot<{ thingGroups?: Array<{ groupName: string; groupArn: string }> }>('GET', `/things/${seg(name)}/thing-groups`),
    iot<{ executionSummaries?: ThingDetails['jobs'] }>('GET', `/things/${seg(name)}/jobs`),
    iot<{ events?: HistoryEvent[] }>('GET', `/ferry/things/${seg(name)}/history`, { query: { latest: 'true', limit: String(RECENT_EVENTS) } }),
  ]);
  const certificateArns = (principals.principals ?? []).filter((p) => p.includes(':cert/'));
  const policiesOf = async (target: string) => ((await iot<{ policies?: Array<{ policyName: string }> }>('POST', `/attached-policies/${seg(target)}`)).policies ?? []).map((p) => p.policyName);
  const certificates = await Promise.all(
    certificateArns.map(async (arn) => {
      const id = arnName(arn);
      const [described, policies] = await Promise.all([iot<{ certificateDescription?: { status?: string } }>('GET', `/certificates/${seg(id)}`), policiesOf(arn)]);
      return { arn, id, status: described.certificateDescription?.status ?? 'UNKNOWN', policies };
    }),
  );
  const withPolicies = await Promise.all((groups.thingGroups ?? []).map(async (g) => ({ ...g, policies: await policiesOf(g.groupArn) })));
  return { thing, certificates, groups: withPolicies, jobs: jobs.executionSummaries ?? [], events: [...(history.events ?? [])].reverse() };
}

const policyLink = (p: string) => (
  <a key={p} href={href(`/policies/${p}`)}>
    {p}
  </a>
);

export function Thing({ name }: { name: string }) {
  const { data, error, loading, reload } = useLoad(() => loadThing(name), [name]);
  const attributes = Object.entries(data?.thing.attributes ?? {});
  return (
    <Page title={`Thing ${name}`}>
      <ErrorBox error={error} />
      {loading && !data && <Loading what="the thing" />}
      {data && (
        <>
          <dl class="facts">
            <dt>ARN</dt>
            <dd>
              <code>{data.thing.thingArn}</code>
            </dd>
            <dt>Type</dt>
            <dd>{data.thing.thingTypeName ?? 'No type'}</dd>
            <dt>Version</dt>
            <dd>{data.thing.version ?? '—'}</dd>
          </dl>
          <h2>Attributes</h2>
          {attributes.length === 0 ? (
            <p>No attribute.</p>
          ) : (
            <Table caption="Attributes" head={['Name', 'Value']}>
              {attributes.map(([k, v]) => (
                <tr key={k}>
                  <td>{k}</td>
                  <td>{v}</td>
                </tr>
              ))}
            </Table>
          )}
          <h2>Certificates</h2>
          <p>
            <a href={href(`/connect/${name}`)}>Download a new connection kit</a> (a new certificate; the old one is retired once the new one connects).
          </p>
          <Table caption="Certificates attached to this thing" head={['Certificate', 'Status', 'Policies (direct)', 'Actions']}>
            {data.certificates.length === 0 && <Empty colSpan={4}>No certificate is attached. Create one with ferry thing create or aws iot create-keys-and-certificate.</Empty>}
            {data.certificates.map((c) => (
              <tr key={c.id}>
                <td>
                  <code title={c.id}>{c.id.slice(0, 16)}…</code>
                </td>
                <td class={`status-${c.status.toLowerCase()}`}>{c.status}</td>
                <td>{c.policies.length ? c.policies.map(policyLink) : 'None'}</td>
                <td>
                  <CertificateActions certificateId={c.id} status={c.status} onChange={reload} />
                </td>
              </tr>
            ))}
          </Table>
          <h2>Groups and inherited policies</h2>
          <Table caption="Thing groups this thing belongs to" head={['Group', 'Policies inherited from the group']}>
            {data.groups.length === 0 && <Empty colSpan={2}>This thing is in no group.</Empty>}
            {data.groups.map((g) => (
              <tr key={g.groupName}>
                <td>
                  <a href={href(`/groups/${g.groupName}`)}>{g.groupName}</a>
                </td>
                <td>{g.policies.length ? g.policies.map(policyLink) : 'None'}</td>
              </tr>
            ))}
          </Table>
          <h2>Jobs</h2>
          <Table caption="Job executions of this thing" head={['Job', 'Status', 'Execution']}>
            {data.jobs.length === 0 && <Empty colSpan={3}>No job has targeted this thing.</Empty>}
            {data.jobs.map((j) => (
              <tr key={j.jobId}>
                <td>
                  <a href={href(`/jobs/${j.jobId}`)}>{j.jobId}</a>
                </td>
                <td>{j.jobExecutionSummary?.status ?? '—'}</td>
                <td>{j.jobExecutionSummary?.executionNumber ?? '—'}</td>
              </tr>
            ))}
          </Table>
          <h2>Recent events</h2>
          <Table caption={`The latest ${RECENT_EVENTS} events of this thing, newest first`} head={['Time', 'Event', 'Job', 'Details']}>
            {data.events.length === 0 && <Empty colSpan={4}>Nothing has happened to this thing yet: its connections, jobs and downloads appear here.</Empty>}
            {data.events.map((e) => (
              <tr key={e.id}>
                <td>
                  <time dateTime={e.time}>{e.time.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}</time>
                </td>
                <td>{e.kind}</td>
                <td>{e.jobId ? <a href={href(`/jobs/${e.jobId}`)}>{e.jobId}</a> : '—'}</td>
                <td>
                  <code>{Object.keys(e.details).length ? JSON.stringify(e.details) : '—'}</code>
                </td>
              </tr>
            ))}
          </Table>
        </>
      )}
    </Page>
  );
}
