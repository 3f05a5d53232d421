import { useState } from 'preact/hooks';
import { iam } from '../aws.js';
import { go, href } from '../router.js';
import { Empty, ErrorBox, Loading, Page, Table, useLoad } from '../ui.js';
import { PolicyEditor } from './policy-editor.js';

const input = (set: (v: string) => void) => (e: Event) => set((e.target as HTMLInputElement).value);
const pretty = (doc: string | undefined) => {
  const text = decodeURIComponent(doc ?? '');
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
};
const doc = (statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statement }, null, 2);

export const TRUST_IOT = doc([{ Effect: 'Allow', Principal: { Service: 'iot.amazonaws.com' }, Action: 'sts:AssumeRole' }]);
const STARTER_PERMISSIONS = doc([{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::BUCKET/*' }]);

/** The one thing to say after a refusal: which permission the signed-in identity lacks. */
function Denied({ error }: { error: unknown }) {
  if (!error) return null;
  const code = (error as { code?: string }).code ?? '';
  return (
    <>
      <ErrorBox error={error} />
      {/AccessDenied/.test(code) && <p class="hint">Ask an administrator for this permission in one of your policies (IAM, Users, your user), or sign in as an identity that has it.</p>}
    </>
  );
}

/** Runs an action, keeping its error for <Denied>; returns whether it succeeded. */
function useAction(): [unknown, (work: () => Promise<unknown>) => Promise<boolean>] {
  const [error, setError] = useState<unknown>(undefined);
  const run = async (work: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await work();
      return true;
    } catch (e) {
      setError(e);
      return false;
    }
  };
  return [error, run];
}

export function Iam() {
  return (
    <Page title="IAM">
      <p>
        <a href={href('/iam/roles')}>Roles</a> · <a href={href('/iam/policies')}>Managed policies</a> · <a href={href('/iam/users')}>Users</a> · <a href={href('/iam/groups')}>Groups</a>
      </p>
      <Roles />
    </Page>
  );
}

interface RoleRow {
  RoleName: string;
  Arn: string;
  CreateDate?: string;
}

function Roles() {
  const list = useLoad(() => iam<{ Roles?: RoleRow[] }>('ListRoles'), []);
  const roles = list.data?.Roles ?? [];
  return (
    <>
      <h2>Roles</h2>
      <ErrorBox error={list.error} />
      {list.loading && !list.data && <Loading what="roles" />}
      {list.data && (
        <Table caption={`${roles.length} roles`} head={['Role', 'ARN']}>
          {roles.length === 0 && <Empty colSpan={2}>No role yet. A role for job downloads lets jobs hand devices presigned links: make one below.</Empty>}
          {roles.map((r) => (
            <tr key={r.RoleName}>
              <td>
                <a href={href(`/iam/roles/${r.RoleName}`)}>{r.RoleName}</a>
              </td>
              <td>
                <code>{r.Arn}</code>
              </td>
            </tr>
          ))}
        </Table>
      )}
      <DownloadsRole />
      <CreateRole />
    </>
  );
}

/** One step: a role IoT may assume that reads one bucket's prefix, as CreateJob's presignedUrlConfig needs. */
function DownloadsRole() {
  const [name, setName] = useState('ferry-job-downloads');
  const [bucket, setBucket] = useState('');
  const [prefix, setPrefix] = useState('');
  const [error, run] = useAction();
  const [made, setMade] = useState('');
  const create = async (event: Event) => {
    event.preventDefault();
    setMade('');
    const ok = await run(async () => {
      const role = await iam<{ Role: { Arn: string } }>('CreateRole', { RoleName: name, AssumeRolePolicyDocument: TRUST_IOT, Description: `Job downloads from s3://${bucket}/${prefix}` });
      await iam('PutRolePolicy', { RoleName: name, PolicyName: 'read-downloads', PolicyDocument: doc([{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/${prefix}*` }]) });
      setMade(role.Role.Arn);
    });
    if (ok) go(`/iam/roles/${name}`);
  };
  return (
    <form class="panel" onSubmit={create} aria-labelledby="downloads-title">
      <h3 id="downloads-title">A role for job downloads</h3>
      <p class="hint">Trusts iot.amazonaws.com and may read the objects under one bucket's prefix: give its ARN to a job's presigned URL configuration.</p>
      <p>
        <label for="downloads-name">Role name</label>
        <input id="downloads-name" value={name} onInput={input(setName)} required />
      </p>
      <p>
        <label for="downloads-bucket">Bucket</label>
        <input id="downloads-bucket" value={bucket} onInput={input(setBucket)} required />
      </p>
      <p>
        <label for="downloads-prefix">Prefix (empty: the whole bucket)</label>
        <input id="downloads-prefix" value={prefix} onInput={input(setPrefix)} />
      </p>
      <button type="submit">Create the downloads role</button>
      {made && <p role="status">Created {made}</p>}
      <Denied error={error} />
    </form>
  );
}

function CreateRole() {
  const [name, setName] = useState('');
  const [trust, setTrust] = useState(TRUST_IOT);
  const [error, run] = useAction();
  const create = async (permissions: string) => {
    if (await run(async () => {
      await iam('CreateRole', { RoleName: name, AssumeRolePolicyDocument: trust });
      await iam('PutRolePolicy', { RoleName: name, PolicyName: 'permissions', PolicyDocument: permissions });
    }))
      go(`/iam/roles/${name}`);
  };
  return (
    <details class="panel">
      <summary>Create a role</summary>
      <p>
        <label for="role-name">Role name</label>
        <input id="role-name" value={name} onInput={input(setName)} required />
      </p>
      <PolicyEditor id="role-trust" label="Trust policy (JSON)" initial={TRUST_IOT} saveLabel="Use this trust policy" onSave={async (t) => setTrust(t)} />
      <PolicyEditor id="role-permissions" label="Permissions policy (JSON)" initial={STARTER_PERMISSIONS} saveLabel="Create role" onSave={create} />
      <Denied error={error} />
    </details>
  );
}

export function Role({ name }: { name: string }) {
  const role = useLoad(() => iam<{ Role: { Arn: string; AssumeRolePolicyDocument?: string; Description?: string } }>('GetRole', { RoleName: name }), [name]);
  const inline = useLoad(() => iam<{ PolicyNames?: string[] }>('ListRolePolicies', { RoleName: name }), [name]);
  const attached = useLoad(() => iam<{ AttachedPolicies?: Array<{ PolicyName: string; PolicyArn: string }> }>('ListAttachedRolePolicies', { RoleName: name }), [name]);
  const [error, run] = useAction();
  const [saved, setSaved] = useState('');
  const [attachArn, setAttachArn] = useState('');
  const [policyName, setPolicyName] = useState('permissions');
  return (
    <Page title={`Role ${name}`}>
      <ErrorBox error={role.error} />
      {role.loading && !role.data && <Loading what="the role" />}
      {role.data && (
        <>
          <p>
            ARN <code id="role-arn">{role.data.Role.Arn}</code>
          </p>
          {role.data.Role.Description && <p>{role.data.Role.Description}</p>}
          <h2>Trust policy</h2>
          <PolicyEditor
            id="trust"
            label="Trust policy (JSON)"
            initial={pretty(role.data.Role.AssumeRolePolicyDocument)}
            saveLabel="Save trust policy"
            onSave={async (text) => {
              if (await run(() => iam('UpdateAssumeRolePolicy', { RoleName: name, PolicyDocument: text }))) setSaved('Trust policy saved.');
            }}
          />
          <h2>Inline policies</h2>
          <ul>
            {(inline.data?.PolicyNames ?? []).length === 0 && <li>None yet: add one below.</li>}
            {(inline.data?.PolicyNames ?? []).map((p) => (
              <li key={p}>
                <InlinePolicy roleName={name} policyName={p} onChange={inline.reload} />
              </li>
            ))}
          </ul>
          <details class="panel">
            <summary>Add or replace an inline policy</summary>
            <p>
              <label for="inline-name">Inline policy name</label>
              <input id="inline-name" value={policyName} onInput={input(setPolicyName)} />
            </p>
            <PolicyEditor
              id="inline-new"
              label="Permissions policy (JSON)"
              initial={STARTER_PERMISSIONS}
              saveLabel="Save inline policy"
              onSave={async (text) => {
                if (await run(() => iam('PutRolePolicy', { RoleName: name, PolicyName: policyName, PolicyDocument: text }))) inline.reload();
              }}
            />
          </details>
          <h2>Attached managed policies</h2>
          <ul>
            {(attached.data?.AttachedPolicies ?? []).length === 0 && <li>None attached.</li>}
            {(attached.data?.AttachedPolicies ?? []).map((p) => (
              <li key={p.PolicyArn}>
                {p.PolicyName}{' '}
                <button type="button" aria-label={`Detach ${p.PolicyName}`} onClick={() => void run(() => iam('DetachRolePolicy', { RoleName: name, PolicyArn: p.PolicyArn })).then(attached.reload)}>
                  Detach
                </button>
              </li>
            ))}
          </ul>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void run(() => iam('AttachRolePolicy', { RoleName: name, PolicyArn: attachArn })).then(attached.reload);
            }}
          >
            <label for="attach-arn">Managed policy ARN</label> <input id="attach-arn" value={attachArn} onInput={input(setAttachArn)} required /> <button type="submit">Attach</button>
          </form>
          {saved && <p role="status">{saved}</p>}
          <Denied error={error} />
          <p>
            <button
              type="button"
              class="danger"
              onClick={() => {
                if (confirm(`Delete role ${name}?`)) void run(() => iam('DeleteRole', { RoleName: name })).then((ok) => ok && go('/iam'));
              }}
            >
              Delete role
            </button>
          </p>
        </>
      )}
    </Page>
  );
}

function InlinePolicy({ roleName, policyName, onChange }: { roleName: string; policyName: string; onChange: () => void }) {
  const got = useLoad(() => iam<{ PolicyDocument: string }>('GetRolePolicy', { RoleName: roleName, PolicyName: policyName }), [roleName, policyName]);
  const [error, run] = useAction();
  return (
    <details>
      <summary>{policyName}</summary>
      {got.data && (
        <PolicyEditor id={`inline-${policyName}`} label={`Inline policy ${policyName} (JSON)`} initial={pretty(got.data.PolicyDocument)} saveLabel={`Save ${policyName}`} onSave={async (text) => void (await run(() => iam('PutRolePolicy', { RoleName: roleName, PolicyName: policyName, PolicyDocument: text })))} />
      )}
      <button type="button" class="danger" onClick={() => void run(() => iam('DeleteRolePolicy', { RoleName: roleName, PolicyName: policyName })).then(onChange)}>
        Delete {policyName}
      </button>
      <Denied error={error || got.error} />
    </details>
  );
}

export function ManagedPolicies() {
  const list = useLoad(() => iam<{ Policies?: Array<{ PolicyName: string; Arn: string; AttachmentCount?: number; DefaultVersionId?: string }> }>('ListPolicies', { Scope: 'Local' }), []);
  const [name, setName] = useState('');
  const [error, run] = useAction();
  const policies = list.data?.Policies ?? [];
  return (
    <Page title="Managed policies">
      <ErrorBox error={list.error} />
      {list.data && (
        <Table caption={`${policies.length} customer managed policies`} head={['Policy', 'ARN', 'Attachments', 'Version']}>
          {policies.length === 0 && <Empty colSpan={4}>No managed policy yet: create one below and attach it to users, groups or roles.</Empty>}
          {policies.map((p) => (
            <tr key={p.Arn}>
              <td>{p.PolicyName}</td>
              <td>
                <code>{p.Arn}</code>
              </td>
              <td>{p.AttachmentCount ?? 0}</td>
              <td>{p.DefaultVersionId}</td>
            </tr>
          ))}
        </Table>
      )}
      <div class="panel">
        <h2>Create a managed policy</h2>
        <p>
          <label for="managed-name">Policy name</label>
          <input id="managed-name" value={name} onInput={input(setName)} required />
        </p>
        <PolicyEditor id="managed" initial={STARTER_PERMISSIONS} saveLabel="Create managed policy" onSave={async (text) => void ((await run(() => iam('CreatePolicy', { PolicyName: name, PolicyDocument: text }))) && list.reload())} />
        <Denied error={error} />
      </div>
    </Page>
  );
}

export function Users() {
  const list = useLoad(() => iam<{ Users?: Array<{ UserName: string; Arn: string }> }>('ListUsers'), []);
  const [name, setName] = useState('');
  const [error, run] = useAction();
  const users = list.data?.Users ?? [];
  return (
    <Page title="Users">
      <ErrorBox error={list.error} />
      {list.data && (
        <Table caption={`${users.length} users`} head={['User', 'ARN']}>
          {users.length === 0 && <Empty colSpan={2}>No user yet: create one below, then give it an access key or a console password.</Empty>}
          {users.map((u) => (
            <tr key={u.UserName}>
              <td>
                <a href={href(`/iam/users/${u.UserName}`)}>{u.UserName}</a>
              </td>
              <td>
                <code>{u.Arn}</code>
              </td>
            </tr>
          ))}
        </Table>
      )}
      <form
        class="panel"
        aria-labelledby="create-user-title"
        onSubmit={(e) => {
          e.preventDefault();
          void run(() => iam('CreateUser', { UserName: name })).then((ok) => ok && go(`/iam/users/${name}`));
        }}
      >
        <h2 id="create-user-title">Create a user</h2>
        <label for="user-name">User name</label> <input id="user-name" value={name} onInput={input(setName)} required /> <button type="submit">Create user</button>
        <Denied error={error} />
      </form>
    </Page>
  );
}

interface Profile {
  LoginProfile?: { PasswordResetRequired?: boolean };
}

interface Key {
  AccessKeyId: string;
  Status: string;
  CreateDate?: string;
}

export function User({ name }: { name: string }) {
  const user = useLoad(() => iam<{ User: { Arn: string } }>('GetUser', { UserName: name }), [name]);
  const keys = useLoad(() => iam<{ AccessKeyMetadata?: Key[] }>('ListAccessKeys', { UserName: name }), [name]);
  const profile = useLoad(() => iam<Profile>('GetLoginProfile', { UserName: name }).catch((e: { code?: string }): Profile | Promise<Profile> => (e.code === 'NoSuchEntity' ? {} : Promise.reject(e))), [name]);
  const groups = useLoad(() => iam<{ Groups?: Array<{ GroupName: string }> }>('ListGroupsForUser', { UserName: name }), [name]);
  const attached = useLoad(() => iam<{ AttachedPolicies?: Array<{ PolicyName: string; PolicyArn: string }> }>('ListAttachedUserPolicies', { UserName: name }), [name]);
  const [error, run] = useAction();
  const [secret, setSecret] = useState<{ id: string; secret: string } | undefined>(undefined);
  const [password, setPassword] = useState('');
  const [reset, setReset] = useState(true);
  const [group, setGroup] = useState('');
  const [policyArn, setPolicyArn] = useState('');
  const createKey = () =>
    run(async () => {
      const made = await iam<{ AccessKey: { AccessKeyId: string; SecretAccessKey: string } }>('CreateAccessKey', { UserName: name });
      // Shown once, held only in this component's memory: gone when the page changes.
      setSecret({ id: made.AccessKey.AccessKeyId, secret: made.AccessKey.SecretAccessKey });
      keys.reload();
    });
  const hasProfile = profile.data !== undefined && 'LoginProfile' in profile.data;
  return (
    <Page title={`User ${name}`}>
      <ErrorBox error={user.error} />
      {user.data && (
        <p>
          ARN <code>{user.data.User.Arn}</code>
        </p>
      )}
      <h2>Access keys</h2>
      <ErrorBox error={keys.error} />
      <Table caption={`${keys.data?.AccessKeyMetadata?.length ?? 0} access keys`} head={['Access key id', 'Status', 'Actions']}>
        {(keys.data?.AccessKeyMetadata ?? []).length === 0 && <Empty colSpan={3}>No access key: create one for the AWS CLI and SDKs.</Empty>}
        {(keys.data?.AccessKeyMetadata ?? []).map((k) => (
          <tr key={k.AccessKeyId}>
            <td>
              <code>{k.AccessKeyId}</code>
            </td>
            <td>{k.Status}</td>
            <td class="actions">
              <button type="button" onClick={() => void run(() => iam('UpdateAccessKey', { UserName: name, AccessKeyId: k.AccessKeyId, Status: k.Status === 'Active' ? 'Inactive' : 'Active' })).then(keys.reload)}>
                {k.Status === 'Active' ? 'Deactivate' : 'Activate'} {k.AccessKeyId}
              </button>{' '}
              <button type="button" class="danger" onClick={() => confirm(`Delete ${k.AccessKeyId}?`) && void run(() => iam('DeleteAccessKey', { UserName: name, AccessKeyId: k.AccessKeyId })).then(keys.reload)}>
                Delete {k.AccessKeyId}
              </button>
            </td>
          </tr>
        ))}
      </Table>
      <button type="button" onClick={() => void createKey()}>
        Create access key
      </button>
      {secret && (
        <div class="panel" role="status">
          <p>
            <strong>Copy the secret now: it is shown only this once.</strong>
          </p>
          <p>
            Access key id <code id="new-key-id">{secret.id}</code>
          </p>
          <p>
            Secret access key <code id="new-key-secret">{secret.secret}</code>
          </p>
          <button type="button" onClick={() => setSecret(undefined)}>
            I have copied it
          </button>
        </div>
      )}
      <h2>Console password</h2>
      {profile.data && <p>{hasProfile ? `This user has a console password${profile.data.LoginProfile?.PasswordResetRequired ? ' (to be changed at next sign-in)' : ''}.` : 'No console password: this user cannot sign in with a name and password.'}</p>}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void run(() => iam(hasProfile ? 'UpdateLoginProfile' : 'CreateLoginProfile', { UserName: name, Password: password, PasswordResetRequired: reset })).then(() => {
            setPassword('');
            profile.reload();
          });
        }}
      >
        <label for="console-password">New console password</label> <input id="console-password" type="password" autoComplete="new-password" value={password} onInput={input(setPassword)} required />{' '}
        <input id="password-reset" type="checkbox" checked={reset} onChange={(e) => setReset((e.target as HTMLInputElement).checked)} /> <label for="password-reset">Must change it at next sign-in</label>{' '}
        <button type="submit">{hasProfile ? 'Set password' : 'Create console password'}</button>{' '}
        {hasProfile && (
          <button type="button" class="danger" onClick={() => void run(() => iam('DeleteLoginProfile', { UserName: name })).then(profile.reload)}>
            Remove console password
          </button>
        )}
      </form>
      <h2>Groups</h2>
      <ul>
        {(groups.data?.Groups ?? []).length === 0 && <li>In no group.</li>}
        {(groups.data?.Groups ?? []).map((g) => (
          <li key={g.GroupName}>
            <a href={href(`/iam/groups/${g.GroupName}`)}>{g.GroupName}</a>{' '}
            <button type="button" onClick={() => void run(() => iam('RemoveUserFromGroup', { UserName: name, GroupName: g.GroupName })).then(groups.reload)}>
              Remove from {g.GroupName}
            </button>
          </li>
        ))}
      </ul>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void run(() => iam('AddUserToGroup', { UserName: name, GroupName: group })).then(groups.reload);
        }}
      >
        <label for="add-group">Group name</label> <input id="add-group" value={group} onInput={input(setGroup)} required /> <button type="submit">Add to group</button>
      </form>
      <h2>Attached managed policies</h2>
      <ul>
        {(attached.data?.AttachedPolicies ?? []).length === 0 && <li>None attached.</li>}
        {(attached.data?.AttachedPolicies ?? []).map((p) => (
          <li key={p.PolicyArn}>
            {p.PolicyName}{' '}
            <button type="button" onClick={() => void run(() => iam('DetachUserPolicy', { UserName: name, PolicyArn: p.PolicyArn })).then(attached.reload)}>
              Detach {p.PolicyName}
            </button>
          </li>
        ))}
      </ul>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void run(() => iam('AttachUserPolicy', { UserName: name, PolicyArn: policyArn })).then(attached.reload);
        }}
      >
        <label for="user-attach-arn">Managed policy ARN</label> <input id="user-attach-arn" value={policyArn} onInput={input(setPolicyArn)} required /> <button type="submit">Attach policy</button>
      </form>
      <Denied error={error || profile.error || groups.error} />
    </Page>
  );
}

export function Groups() {
  const list = useLoad(() => iam<{ Groups?: Array<{ GroupName: string; Arn: string }> }>('ListGroups'), []);
  const [name, setName] = useState('');
  const [error, run] = useAction();
  const groups = list.data?.Groups ?? [];
  return (
    <Page title="Groups">
      <ErrorBox error={list.error} />
      {list.data && (
        <Table caption={`${groups.length} groups`} head={['Group', 'ARN']}>
          {groups.length === 0 && <Empty colSpan={2}>No group yet: a group gives its users the policies attached to it.</Empty>}
          {groups.map((g) => (
            <tr key={g.GroupName}>
              <td>
                <a href={href(`/iam/groups/${g.GroupName}`)}>{g.GroupName}</a>
              </td>
              <td>
                <code>{g.Arn}</code>
              </td>
            </tr>
          ))}
        </Table>
      )}
      <form
        class="panel"
        aria-labelledby="create-group-title"
        onSubmit={(e) => {
          e.preventDefault();
          void run(() => iam('CreateGroup', { GroupName: name })).then((ok) => ok && list.reload());
        }}
      >
        <h2 id="create-group-title">Create a group</h2>
        <label for="group-name">Group name</label> <input id="group-name" value={name} onInput={input(setName)} required /> <button type="submit">Create group</button>
        <Denied error={error} />
      </form>
    </Page>
  );
}

export function Group({ name }: { name: string }) {
  const group = useLoad(() => iam<{ Users?: Array<{ UserName: string }>; Group: { Arn: string } }>('GetGroup', { GroupName: name }), [name]);
  const attached = useLoad(() => iam<{ AttachedPolicies?: Array<{ PolicyName: string; PolicyArn: string }> }>('ListAttachedGroupPolicies', { GroupName: name }), [name]);
  const [policyArn, setPolicyArn] = useState('');
  const [error, run] = useAction();
  return (
    <Page title={`Group ${name}`}>
      <ErrorBox error={group.error} />
      <h2>Members</h2>
      <ul>
        {(group.data?.Users ?? []).length === 0 && <li>No member: add users from their page.</li>}
        {(group.data?.Users ?? []).map((u) => (
          <li key={u.UserName}>
            <a href={href(`/iam/users/${u.UserName}`)}>{u.UserName}</a>
          </li>
        ))}
      </ul>
      <h2>Attached managed policies</h2>
      <ul>
        {(attached.data?.AttachedPolicies ?? []).length === 0 && <li>None attached.</li>}
        {(attached.data?.AttachedPolicies ?? []).map((p) => (
          <li key={p.PolicyArn}>{p.PolicyName}</li>
        ))}
      </ul>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void run(() => iam('AttachGroupPolicy', { GroupName: name, PolicyArn: policyArn })).then(attached.reload);
        }}
      >
        <label for="group-attach-arn">Managed policy ARN</label> <input id="group-attach-arn" value={policyArn} onInput={input(setPolicyArn)} required /> <button type="submit">Attach policy</button>
      </form>
      <Denied error={error} />
    </Page>
  );
}
