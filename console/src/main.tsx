import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, changePassword, identity, signIn, signInWithPassword, signOut, signOutEverywhere, whoAmI } from './api.js';
import { href, route } from './router.js';
import { ErrorBox, Page } from './ui.js';
import { Overview } from './pages/overview.js';
import { Things, ThingGroups, ThingGroup } from './pages/things.js';
import { Thing } from './pages/thing.js';
import { Security, Policy } from './pages/security.js';
import { Jobs } from './pages/jobs.js';
import { JobLive } from './pages/job-live.js';
import { Connect } from './pages/connect.js';
import { Distribute } from './pages/distribute.js';
import { MqttClientPage } from './pages/mqtt.js';
import { Activity } from './pages/activity.js';
import { Buckets, Bucket } from './pages/buckets.js';
import { Iam, Role, ManagedPolicies, Users, User, Groups, Group } from './pages/iam.js';
import './styles.css';

const inputValue = (set: (v: string) => void) => (e: Event) => set((e.target as HTMLInputElement).value);

function SignIn() {
  const [mode, setMode] = useState<'password' | 'key'>('key');
  const [name, setName] = useState('');
  const [secret, setSecret] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      identity.value = mode === 'key' ? await signIn(name.trim(), secret) : await signInWithPassword(name.trim(), secret);
      setSecret('');
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const choose = (next: 'password' | 'key') => {
    setMode(next);
    setName('');
    setSecret('');
    setError(undefined);
  };
  return (
    <main id="main" class="sign-in">
      <Page title="Sign in to Ferry">
        <fieldset>
          <legend>Sign in with</legend>
          <label>
            <input type="radio" name="mode" checked={mode === 'key'} onChange={() => choose('key')} /> Access key
          </label>
          <label>
            <input type="radio" name="mode" checked={mode === 'password'} onChange={() => choose('password')} /> IAM user name and password
          </label>
        </fieldset>
        <form onSubmit={submit}>
          {mode === 'key' ? (
            <>
              <p>
                <label for="access-key-id">Access key id</label>
                <input id="access-key-id" autoComplete="username" value={name} onInput={inputValue(setName)} required />
              </p>
              <p>
                <label for="secret-access-key">Secret access key</label>
                <input id="secret-access-key" type="password" autoComplete="current-password" value={secret} onInput={inputValue(setSecret)} required />
              </p>
            </>
          ) : (
            <>
              <p>
                <label for="user-name">User name</label>
                <input id="user-name" autoComplete="username" value={name} onInput={inputValue(setName)} required />
              </p>
              <p>
                <label for="password">Password</label>
                <input id="password" type="password" autoComplete="current-password" value={secret} onInput={inputValue(setSecret)} required />
              </p>
            </>
          )}
          <button type="submit" disabled={busy}>
            Sign in
          </button>
          <ErrorBox error={error} />
        </form>
        <p class="hint">The root key is in the server's data directory: credentials (profile ferry), beside endpoints.json. IAM users sign in with the password an administrator set (CreateLoginProfile).</p>
      </Page>
    </main>
  );
}

/** A password user whose password must be reset changes it before anything else (IAM's ChangePassword). */
function ChangePassword() {
  const [old, setOld] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    if (next !== again) return setError(new ApiError('PasswordMismatch', 'The new password and its confirmation differ; type the same password twice.', 400));
    setBusy(true);
    try {
      await changePassword(old, next);
      identity.value = await whoAmI();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="sign-in">
      <Page title="Change your password">
        <p>Your administrator requires a new password before you use the console. It must meet the account's password policy.</p>
        <form onSubmit={submit}>
          <p>
            <label for="old-password">Current password</label>
            <input id="old-password" type="password" autoComplete="current-password" value={old} onInput={inputValue(setOld)} required />
          </p>
          <p>
            <label for="new-password">New password</label>
            <input id="new-password" type="password" autoComplete="new-password" value={next} onInput={inputValue(setNext)} required />
          </p>
          <p>
            <label for="new-password-again">Confirm new password</label>
            <input id="new-password-again" type="password" autoComplete="new-password" value={again} onInput={inputValue(setAgain)} required />
          </p>
          <button type="submit" disabled={busy}>
            Change password
          </button>
          <button type="button" onClick={() => signOut().finally(() => (identity.value = null))}>
            Sign out
          </button>
          <ErrorBox error={error} />
        </form>
      </Page>
    </main>
  );
}

const NAV: Array<[string, string]> = [
  ['/', 'Overview'],
  ['/connect', 'Connect a device'],
  ['/distribute', 'Distribute a file'],
  ['/things', 'Things'],
  ['/groups', 'Thing groups'],
  ['/jobs', 'Jobs'],
  ['/mqtt', 'MQTT test client'],
  ['/activity', 'Activity'],
  ['/security', 'Security'],
  ['/buckets', 'Buckets'],
  ['/iam', 'IAM'],
];

function Current() {
  const path = route.value;
  const parts = path.split('/').filter(Boolean);
  const [first, second] = parts;
  if (!first) return <Overview />;
  if (first === 'connect') return <Connect {...(second ? { initialThing: second } : {})} />;
  if (first === 'distribute') return <Distribute />;
  if (first === 'things' && second) return <Thing name={parts.slice(1).join('/')} />;
  if (first === 'things') return <Things />;
  if (first === 'groups' && second) return <ThingGroup name={second} />;
  if (first === 'groups') return <ThingGroups />;
  if (first === 'jobs' && second) return <JobLive id={second} />;
  if (first === 'jobs') return <Jobs />;
  if (first === 'mqtt') return <MqttClientPage />;
  if (first === 'activity') return <Activity />;
  if (first === 'security') return <Security />;
  if (first === 'policies' && second) return <Policy name={second} />;
  if (first === 'buckets' && second) return <Bucket bucket={second} prefix={parts.slice(2).join('/') + (parts.length > 2 && path.endsWith('/') ? '/' : '')} />;
  if (first === 'buckets') return <Buckets />;
  if (first === 'iam') return <IamPage section={second} name={parts.slice(2).join('/')} />;
  return (
    <Page title="Not found">
      <p>
        No page here. Go to the <a href={href('/')}>overview</a>.
      </p>
    </Page>
  );
}

function IamPage({ section, name }: { section: string | undefined; name: string }) {
  if (section === 'roles' && name) return <Role name={name} />;
  if (section === 'policies') return <ManagedPolicies />;
  if (section === 'users' && name) return <User name={name} />;
  if (section === 'users') return <Users />;
  if (section === 'groups' && name) return <Group name={name} />;
  if (section === 'groups') return <Groups />;
  return <Iam />;
}

function Shell() {
  const who = identity.value;
  const [error, setError] = useState<unknown>(undefined);
  const end = async (everywhere: boolean) => {
    try {
      await (everywhere ? signOutEverywhere() : signOut());
      identity.value = null;
    } catch (e) {
      setError(e);
    }
  };
  const active = (path: string) => (path === '/' ? route.value === '/' : route.value.startsWith(path));
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header>
        <span class="brand">Ferry</span>
        <nav aria-label="Main">
          <ul>
            {NAV.map(([path, label]) => (
              <li key={path}>
                <a href={href(path)} aria-current={active(path) ? 'page' : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span class="who">
          Signed in as <code>{who?.arn}</code>
        </span>
        <button type="button" onClick={() => end(false)}>
          Sign out
        </button>
        <button type="button" onClick={() => end(true)}>
          Sign out everywhere
        </button>
      </header>
      <ErrorBox error={error} />
      <main id="main">
        <Current />
      </main>
    </>
  );
}

function App() {
  useEffect(() => {
    whoAmI().then(
      (who) => (identity.value = who),
      (e: unknown) => {
        if (!(e instanceof ApiError) || e.status !== 401) console.error(e);
        identity.value = null;
      },
    );
  }, []);
  if (identity.value === undefined) return <p role="status">Loading…</p>;
  if (identity.value === null) return <SignIn />;
  return identity.value.passwordChangeRequired ? <ChangePassword /> : <Shell />;
}

render(<App />, document.getElementById('app')!);
