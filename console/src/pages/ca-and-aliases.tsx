import { useState } from 'preact/hooks';
import { iot, seg } from '../api.js';
import { iam } from '../aws.js';
import { Empty, ErrorBox, Table, useLoad } from '../ui.js';

const input = (set: (v: string) => void) => (e: Event) => set((e.target as HTMLInputElement | HTMLTextAreaElement).value);

interface CaRow {
  certificateId: string;
  status: string;
  creationDate?: number;
}

/** CA certificates: devices' certificates signed by a registered CA may register themselves or be registered. */
export function CaCertificates() {
  const list = useLoad(() => iot<{ certificates?: CaRow[] }>('GET', '/cacertificates', { query: { pageSize: '250' } }), []);
  const [pem, setPem] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const act = async (work: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await work();
      list.reload();
    } catch (e) {
      setError(e);
    }
  };
  const rows = list.data?.certificates ?? [];
  return (
    <>
      <h2>CA certificates</h2>
      <ErrorBox error={list.error} />
      {list.data && (
        <Table caption={`${rows.length} CA certificates`} head={['CA certificate', 'Status', 'Actions']}>
          {rows.length === 0 && <Empty colSpan={3}>No CA registered. Register your own CA below to bring devices whose certificates it signed.</Empty>}
          {rows.map((c) => (
            <tr key={c.certificateId}>
              <td>
                <code title={c.certificateId}>{c.certificateId.slice(0, 16)}…</code>
              </td>
              <td class={`status-${c.status.toLowerCase()}`}>{c.status}</td>
              <td>
                <button type="button" aria-label={`${c.status === 'ACTIVE' ? 'Deactivate' : 'Activate'} CA certificate ${c.certificateId.slice(0, 12)}`} onClick={() => void act(() => iot('PUT', `/cacertificate/${seg(c.certificateId)}`, { query: { newStatus: c.status === 'ACTIVE' ? 'INACTIVE' : 'ACTIVE' } }))}>
                  {c.status === 'ACTIVE' ? 'Deactivate' : 'Activate'}
                </button>
              </td>
            </tr>
          ))}
        </Table>
      )}
      <details class="panel">
        <summary>Register a CA certificate</summary>
        <p>
          <label for="ca-pem">CA certificate (PEM)</label>
          <textarea id="ca-pem" rows={6} value={pem} onInput={input(setPem)} />
        </p>
        <button type="button" onClick={() => void act(() => iot('POST', '/cacertificate', { query: { setAsActive: 'true' }, body: { caCertificate: pem, certificateMode: 'SNI_ONLY' } }))}>
          Register CA certificate
        </button>
      </details>
      <ErrorBox error={error} />
    </>
  );
}

/** Role aliases: what devices name to get a role's temporary credentials from the credentials provider. */
export function RoleAliases() {
  const list = useLoad(() => iot<{ roleAliases?: string[] }>('GET', '/role-aliases', { query: { pageSize: '250' } }), []);
  const roles = useLoad(() => iam<{ Roles?: Array<{ RoleName: string; Arn: string }> }>('ListRoles'), []);
  const [alias, setAlias] = useState('');
  const [roleArn, setRoleArn] = useState('');
  const [duration, setDuration] = useState('3600');
  const [error, setError] = useState<unknown>(undefined);
  const create = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    try {
      await iot('POST', `/role-aliases/${seg(alias)}`, { body: { roleArn, credentialDurationSeconds: Number(duration) } });
      list.reload();
    } catch (e) {
      setError(e);
    }
  };
  const names = list.data?.roleAliases ?? [];
  return (
    <>
      <h2>Role aliases</h2>
      <ErrorBox error={list.error} />
      {list.data && (
        <ul>
          {names.length === 0 && <li>No role alias. Create one to let devices get a role's credentials.</li>}
          {names.map((n) => (
            <li key={n}>
              <RoleAliasRow alias={n} />
            </li>
          ))}
        </ul>
      )}
      <form class="panel" onSubmit={create} aria-labelledby="alias-title">
        <h3 id="alias-title">Create a role alias</h3>
        <p class="hint">Handing a role to IoT needs iam:PassRole on it.</p>
        <p>
          <label for="alias-name">Role alias name</label>
          <input id="alias-name" value={alias} onInput={input(setAlias)} required />
        </p>
        <p>
          <label for="alias-role">Role</label>
          <select id="alias-role" value={roleArn} onChange={input(setRoleArn)} required>
            <option value="">Choose a role</option>
            {(roles.data?.Roles ?? []).map((r) => (
              <option key={r.Arn} value={r.Arn}>
                {r.RoleName}
              </option>
            ))}
          </select>
        </p>
        <p>
          <label for="alias-duration">Credential lifetime (seconds, 900 to 43200)</label>
          <input id="alias-duration" type="number" min={900} max={43200} value={duration} onInput={input(setDuration)} />
        </p>
        <button type="submit">Create role alias</button>
        <ErrorBox error={error ?? roles.error} />
      </form>
    </>
  );
}

function RoleAliasRow({ alias }: { alias: string }) {
  const got = useLoad(() => iot<{ roleAliasDescription?: { roleArn?: string; credentialDurationSeconds?: number } }>('GET', `/role-aliases/${seg(alias)}`), [alias]);
  const d = got.data?.roleAliasDescription;
  return (
    <span>
      <strong>{alias}</strong>
      {d && (
        <>
          {' '}
          → <code>{d.roleArn}</code> ({d.credentialDurationSeconds} s)
        </>
      )}
    </span>
  );
}
