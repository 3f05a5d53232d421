import { iot, seg } from '../api.js';
import { href } from '../router.js';
import { arnName, Empty, ErrorBox, Loading, Page, Table, useLoad } from '../ui.js';
import { CertificateActions } from './certificates.js';

interface ThingDetails {
  thing: { thingName: string; thingArn: string; thingTypeName?: string; attributes?: Record<string, string>; version?: number };
  certificates: Array<{ arn: string; id: string; status: string; policies: string[] }>;
  groups: Array<{ groupName: string; groupArn: string; policies: string[] }>;
  jobs: Array<{ jobId: string; jobExecutionSummary?: { status?: string; executionNumber?: number } }>;
}

async function loadThing(name: string): Promise<ThingDetails> {
  const thing = await iot<ThingDetails['thing']>('GET', `/things/${seg(name)}`);
  const [principals, groups, jobs] = await Promise.all([
    iot<{ principals?: string[] }>('GET', `/things/${seg(name)}/principals`),
    iot<{ thingGroups?: Array<{ groupName: string; groupArn: string }> }>('GET', `/things/${seg(name)}/thing-groups`),
    iot<{ executionSummaries?: ThingDetails['jobs'] }>('GET', `/things/${seg(name)}/jobs`),
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
  return { thing, certificates, groups: withPolicies, jobs: jobs.executionSummaries ?? [] };
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
        </>
      )}
    </Page>
  );
}
