import { useState } from 'preact/hooks';
import { iot, seg } from '../api.js';
import { go, href } from '../router.js';
import { Empty, ErrorBox, Loading, Page, Table, useLoad } from '../ui.js';
import { CertificateActions } from './certificates.js';
import { PolicyEditor } from './policy-editor.js';
import { CaCertificates, RoleAliases } from './ca-and-aliases.js';

const STARTER = `{
  "Version": "2012-10-17",
  "Statement": [
    { "Effect": "Allow", "Action": "iot:Connect", "Resource": "arn:aws:iot:*:*:client/\${iot:Connection.Thing.ThingName}" }
  ]
}`;

export function Security() {
  const certs = useLoad(() => iot<{ certificates?: Array<{ certificateId: string; status: string; creationDate?: number }> }>('GET', '/certificates', { query: { pageSize: '250' } }), []);
  const policies = useLoad(() => iot<{ policies?: Array<{ policyName: string }> }>('GET', '/policies', { query: { pageSize: '250' } }), []);
  const list = certs.data?.certificates ?? [];
  const names = policies.data?.policies ?? [];
  return (
    <Page title="Security">
      <h2>Certificates</h2>
      <ErrorBox error={certs.error} />
      {certs.loading && !certs.data && <Loading what="certificates" />}
      {certs.data && (
        <Table caption={`${list.length} certificates`} head={['Certificate', 'Status', 'Actions']}>
          {list.length === 0 && <Empty colSpan={3}>No certificate yet. ferry thing create NAME makes a thing with its certificate and kit.</Empty>}
          {list.map((c) => (
            <tr key={c.certificateId}>
              <td>
                <code title={c.certificateId}>{c.certificateId.slice(0, 16)}…</code>
              </td>
              <td class={`status-${c.status.toLowerCase()}`}>{c.status}</td>
              <td>
                <CertificateActions certificateId={c.certificateId} status={c.status} onChange={certs.reload} />
              </td>
            </tr>
          ))}
        </Table>
      )}
      <h2>IoT policies</h2>
      <ErrorBox error={policies.error} />
      {policies.data && (
        <ul>
          {names.length === 0 && <li>No IoT policy yet. Create one below.</li>}
          {names.map((p) => (
            <li key={p.policyName}>
              <a href={href(`/policies/${p.policyName}`)}>{p.policyName}</a>
            </li>
          ))}
        </ul>
      )}
      <CreatePolicy />
      <CaCertificates />
      <RoleAliases />
    </Page>
  );
}

function CreatePolicy() {
  const [name, setName] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const save = async (document: string) => {
    setError(undefined);
    try {
      await iot('POST', `/policies/${seg(name)}`, { body: { policyDocument: document } });
      go(`/policies/${name}`);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <details>
      <summary>Create an IoT policy</summary>
      <p>
        <label for="new-policy-name">Policy name</label>
        <input id="new-policy-name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} required />
      </p>
      <PolicyEditor id="new-policy" initial={STARTER} saveLabel="Create policy" onSave={save} />
      <ErrorBox error={error} />
    </details>
  );
}

interface PolicyReply {
  policyName: string;
  policyArn: string;
  policyDocument: string;
  defaultVersionId: string;
}

export function Policy({ name }: { name: string }) {
  const { data, error, loading, reload } = useLoad(() => iot<PolicyReply>('GET', `/policies/${seg(name)}`), [name]);
  const [saveError, setSaveError] = useState<unknown>(undefined);
  const [saved, setSaved] = useState('');
  const save = async (document: string) => {
    setSaveError(undefined);
    setSaved('');
    try {
      const reply = await iot<{ policyVersionId: string }>('POST', `/policies/${seg(name)}/version`, { query: { setAsDefault: 'true' }, body: { policyDocument: document } });
      setSaved(`Saved as version ${reply.policyVersionId}, now the default.`);
      reload();
    } catch (e) {
      setSaveError(e);
    }
  };
  return (
    <Page title={`IoT policy ${name}`}>
      <ErrorBox error={error} />
      {loading && !data && <Loading what="the policy" />}
      {data && (
        <>
          <p>
            Default version {data.defaultVersionId}. ARN <code>{data.policyArn}</code>
          </p>
          <PolicyEditor id="policy" initial={prettyJson(data.policyDocument)} saveLabel="Save as new default version" onSave={save} />
          <ErrorBox error={saveError} />
          {saved && <p role="status">{saved}</p>}
          <TestPanel policyName={name} />
        </>
      )}
    </Page>
  );
}

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

interface AuthResult {
  authInfo?: { actionType?: string; resources?: string[] };
  allowed?: { policies?: Array<{ policyName?: string }> };
  denied?: { implicitDeny?: { policies?: Array<{ policyName?: string }> }; explicitDeny?: { policies?: Array<{ policyName?: string }> } };
  authDecision?: string;
  missingContextValues?: string[];
}

const names = (list: Array<{ policyName?: string }> | undefined) => (list ?? []).map((p) => p.policyName).join(', ') || 'none';

/** TestAuthorization: would this principal be allowed this action on this resource? */
function TestPanel({ policyName }: { policyName: string }) {
  const [principal, setPrincipal] = useState('');
  const [clientId, setClientId] = useState('');
  const [action, setAction] = useState('CONNECT');
  const [resource, setResource] = useState('');
  const [onlyThis, setOnlyThis] = useState(true);
  const [result, setResult] = useState<AuthResult | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const run = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    setResult(undefined);
    try {
      const body = {
        principal,
        ...(clientId ? { clientId } : {}),
        ...(onlyThis ? { policyNamesToAdd: [policyName] } : {}),
        authInfos: [{ actionType: action, resources: [resource] }],
      };
      const reply = await iot<{ authResults?: AuthResult[] }>('POST', '/test-authorization', { body });
      setResult(reply.authResults?.[0]);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <form class="panel" onSubmit={run} aria-labelledby="test-title">
      <h2 id="test-title">Test authorization</h2>
      <p>
        <label for="test-principal">Principal (certificate ARN or id)</label>
        <input id="test-principal" value={principal} onInput={(e) => setPrincipal((e.target as HTMLInputElement).value)} required />
      </p>
      <p>
        <label for="test-client">Client id (optional)</label>
        <input id="test-client" value={clientId} onInput={(e) => setClientId((e.target as HTMLInputElement).value)} />
      </p>
      <p>
        <label for="test-action">Action</label>
        <select id="test-action" value={action} onChange={(e) => setAction((e.target as HTMLSelectElement).value)}>
          {['CONNECT', 'PUBLISH', 'SUBSCRIBE', 'RECEIVE'].map((a) => (
            <option key={a} value={a}>
              {a}
            </option>
          ))}
        </select>
      </p>
      <p>
        <label for="test-resource">Resource ARN</label>
        <input id="test-resource" value={resource} onInput={(e) => setResource((e.target as HTMLInputElement).value)} required />
      </p>
      <p>
        <input id="test-add" type="checkbox" checked={onlyThis} onChange={(e) => setOnlyThis((e.target as HTMLInputElement).checked)} />
        <label for="test-add">Add this policy to the principal's for the test</label>
      </p>
      <button type="submit">Test</button>
      <ErrorBox error={error} />
      {result && (
        <div role="status" class="result">
          <p>
            Decision: <strong id="test-decision">{result.authDecision}</strong>
          </p>
          <p>Allowed by: {names(result.allowed?.policies)}</p>
          <p>Explicitly denied by: {names(result.denied?.explicitDeny?.policies)}</p>
          <p>Implicitly denied (policies evaluated): {names(result.denied?.implicitDeny?.policies)}</p>
          {(result.missingContextValues ?? []).length > 0 && <p>Unresolved variables: {result.missingContextValues?.join(', ')}</p>}
        </div>
      )}
    </form>
  );
}
