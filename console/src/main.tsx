import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, identity, signIn, signOut, signOutEverywhere, whoAmI } from './api.js';
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
import './styles.css';

function SignIn() {
  const [accessKeyId, setKeyId] = useState('');
  const [secret, setSecret] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      identity.value = await signIn(accessKeyId.trim(), secret);
      setSecret('');
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="sign-in">
      <Page title="Sign in to Ferry">
        <form onSubmit={submit}>
          <p>
            <label for="access-key-id">Access key id</label>
            <input id="access-key-id" autoComplete="username" value={accessKeyId} onInput={(e) => setKeyId((e.target as HTMLInputElement).value)} required />
          </p>
          <p>
            <label for="secret-access-key">Secret access key</label>
            <input id="secret-access-key" type="password" autoComplete="current-password" value={secret} onInput={(e) => setSecret((e.target as HTMLInputElement).value)} required />
          </p>
          <button type="submit" disabled={busy}>
            Sign in
          </button>
          <ErrorBox error={error} />
        </form>
        <p class="hint">The root key is in the server's data directory: credentials (profile ferry), beside endpoints.json.</p>
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
  ['/security', 'Security'],
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
  if (first === 'security') return <Security />;
  if (first === 'policies' && second) return <Policy name={second} />;
  return (
    <Page title="Not found">
      <p>
        No page here. Go to the <a href={href('/')}>overview</a>.
      </p>
    </Page>
  );
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
  return identity.value === null ? <SignIn /> : <Shell />;
}

render(<App />, document.getElementById('app')!);
