import { useState } from 'preact/hooks';
import { iot, seg } from '../api.js';
import { href } from '../router.js';
import { Empty, ErrorBox, Loading, Page, Table, useLoad } from '../ui.js';

interface ThingRow {
  thingName: string;
  thingTypeName?: string;
  attributes?: Record<string, string>;
}

async function loadThings(): Promise<{ things: ThingRow[]; connected: Map<string, boolean> | undefined }> {
  const things: ThingRow[] = [];
  let nextToken: string | undefined;
  do {
    const page = await iot<{ things?: ThingRow[]; nextToken?: string }>('GET', '/things', { query: { maxResults: '250', nextToken } });
    things.push(...(page.things ?? []));
    nextToken = page.nextToken;
  } while (nextToken && things.length < 10_000);
  const connected = await loadConnectivity().catch(() => undefined);
  return { things, connected };
}

/** Connectivity from the fleet index, when indexing is on. */
async function loadConnectivity(): Promise<Map<string, boolean>> {
  const map = new Map<string, boolean>();
  let nextToken: string | undefined;
  do {
    const page = await iot<{ things?: Array<{ thingName: string; connectivity?: { connected?: boolean } }>; nextToken?: string }>('POST', '/indices/search', {
      body: { queryString: 'connectivity.connected:true', maxResults: 500, ...(nextToken ? { nextToken } : {}) },
    });
    for (const t of page.things ?? []) map.set(t.thingName, t.connectivity?.connected === true);
    nextToken = page.nextToken;
  } while (nextToken);
  return map;
}

export function Things() {
  const { data, error, loading } = useLoad(loadThings, []);
  const [search, setSearch] = useState('');
  const needle = search.trim().toLowerCase();
  const shown = (data?.things ?? []).filter((t) => !needle || t.thingName.toLowerCase().includes(needle) || Object.values(t.attributes ?? {}).some((v) => v.toLowerCase().includes(needle)));
  const connectivity = (name: string) => (data?.connected ? (data.connected.get(name) ? 'Connected' : 'Disconnected') : 'Unknown');
  return (
    <Page title="Things">
      <p>
        <label for="thing-search">Search things by name or attribute value</label>
        <input id="thing-search" type="search" value={search} onInput={(e) => setSearch((e.target as HTMLInputElement).value)} />
      </p>
      <ErrorBox error={error} />
      {loading && !data && <Loading what="things" />}
      {data && (
        <Table caption={`${shown.length} of ${data.things.length} things`} head={['Name', 'Type', 'Connectivity', 'Attributes']}>
          {shown.length === 0 && (
            <Empty colSpan={4}>{data.things.length === 0 ? 'No thing yet. Register one with ferry thing create NAME or aws iot create-thing.' : 'No thing matches the search.'}</Empty>
          )}
          {shown.map((t) => (
            <tr key={t.thingName}>
              <td>
                <a href={href(`/things/${t.thingName}`)}>{t.thingName}</a>
              </td>
              <td>{t.thingTypeName ?? '—'}</td>
              <td>{connectivity(t.thingName)}</td>
              <td>
                {Object.entries(t.attributes ?? {})
                  .map(([k, v]) => `${k}=${v}`)
                  .join(', ') || '—'}
              </td>
            </tr>
          ))}
        </Table>
      )}
    </Page>
  );
}

export function ThingGroups() {
  const { data, error, loading } = useLoad(() => iot<{ thingGroups?: Array<{ groupName: string; groupArn: string }> }>('GET', '/thing-groups', { query: { maxResults: '250' } }), []);
  const groups = data?.thingGroups ?? [];
  return (
    <Page title="Thing groups">
      <ErrorBox error={error} />
      {loading && !data && <Loading what="thing groups" />}
      {data && (
        <Table caption={`${groups.length} thing groups`} head={['Name', 'ARN']}>
          {groups.length === 0 && <Empty colSpan={2}>No thing group yet. Create one with aws iot create-thing-group.</Empty>}
          {groups.map((g) => (
            <tr key={g.groupName}>
              <td>
                <a href={href(`/groups/${g.groupName}`)}>{g.groupName}</a>
              </td>
              <td>
                <code>{g.groupArn}</code>
              </td>
            </tr>
          ))}
        </Table>
      )}
    </Page>
  );
}

export function ThingGroup({ name }: { name: string }) {
  const { data, error, loading } = useLoad(async () => {
    const group = await iot<{ thingGroupArn: string; thingGroupProperties?: { thingGroupDescription?: string }; queryString?: string }>('GET', `/thing-groups/${seg(name)}`);
    const [members, policies] = await Promise.all([
      iot<{ things?: string[] }>('GET', `/thing-groups/${seg(name)}/things`, { query: { maxResults: '250' } }),
      iot<{ policies?: Array<{ policyName: string }> }>('POST', `/attached-policies/${seg(group.thingGroupArn)}`),
    ]);
    return { group, members: members.things ?? [], policies: policies.policies ?? [] };
  }, [name]);
  return (
    <Page title={`Thing group ${name}`}>
      <ErrorBox error={error} />
      {loading && !data && <Loading what="the group" />}
      {data && (
        <>
          <p>{data.group.thingGroupProperties?.thingGroupDescription ?? 'No description.'}</p>
          {data.group.queryString && (
            <p>
              Dynamic group, query: <code>{data.group.queryString}</code>
            </p>
          )}
          <h2>Members</h2>
          {data.members.length === 0 ? (
            <p>No member yet.</p>
          ) : (
            <ul>
              {data.members.map((t) => (
                <li key={t}>
                  <a href={href(`/things/${t}`)}>{t}</a>
                </li>
              ))}
            </ul>
          )}
          <h2>Attached policies</h2>
          {data.policies.length === 0 ? (
            <p>No policy is attached to this group.</p>
          ) : (
            <ul>
              {data.policies.map((p) => (
                <li key={p.policyName}>
                  <a href={href(`/policies/${p.policyName}`)}>{p.policyName}</a>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </Page>
  );
}
