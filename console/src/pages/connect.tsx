import { useEffect, useState } from 'preact/hooks';
import { postForFile, saveFile } from '../api.js';
import { ErrorBox, Page } from '../ui.js';

type StepName = 'tls' | 'connect' | 'subscribe' | 'jobs';
interface Explanation {
  action: string;
  resource: string;
  decision?: string;
  statements: Array<{ policyName: string; statement?: unknown; change: string }>;
}
interface Step {
  name: StepName;
  status: 'waiting' | 'done' | 'failed';
  detail?: string;
  explanation?: Explanation;
}

const TITLES: Record<StepName, string> = {
  tls: 'TLS handshake seen',
  connect: 'CONNECT allowed',
  subscribe: 'Subscribed to its Jobs topics',
  jobs: 'First Jobs request',
};
const MARK = { waiting: '○', done: '✓', failed: '✗' } as const;
const SAID = { waiting: 'waiting', done: 'done', failed: 'refused' } as const;

/** The live checklist of one thing's next connection, over one event stream. */
export function Checklist({ thingName }: { thingName: string }) {
  const [steps, setSteps] = useState<Step[] | undefined>(undefined);
  const [lost, setLost] = useState(false);
  useEffect(() => {
    const source = new EventSource(`api/flows/connect/${encodeURIComponent(thingName)}/events`);
    source.addEventListener('checklist', (e) => {
      setLost(false);
      setSteps((JSON.parse((e as MessageEvent<string>).data) as { steps: Step[] }).steps);
    });
    source.onerror = () => setLost(true);
    return () => source.close();
  }, [thingName]);
  if (!steps) return <p role="status">Waiting for the checklist…</p>;
  const allDone = steps.every((s) => s.status === 'done');
  return (
    <section aria-labelledby="checklist-title">
      <h2 id="checklist-title">First connection of {thingName}</h2>
      {lost && <p class="hint">Reconnecting to the server…</p>}
      <ol class="checklist" aria-live="polite">
        {steps.map((s) => (
          <li key={s.name} class={`step ${s.status}`} data-step={s.name} data-status={s.status}>
            <span aria-hidden="true">{MARK[s.status]}</span> <strong>{TITLES[s.name]}</strong> — {SAID[s.status]}
            {s.detail && <div class="hint">{s.detail}</div>}
            {s.explanation && (
              <div class="problem explanation">
                <p>
                  Denied action: <code>{s.explanation.action}</code> on <code>{s.explanation.resource}</code>
                  {s.explanation.decision && <> ({s.explanation.decision})</>}.
                </p>
                <ul>
                  {s.explanation.statements.map((st, i) => (
                    <li key={i}>
                      Policy <code>{st.policyName}</code>: {st.change}
                      {st.statement !== undefined && <pre>{JSON.stringify(st.statement, null, 2)}</pre>}
                    </li>
                  ))}
                </ul>
              </div>
            )}
          </li>
        ))}
      </ol>
      {allDone && <p class="ok" role="status">The device is connected and asking for its jobs.</p>}
    </section>
  );
}

export function Connect({ initialThing }: { initialThing?: string }) {
  const [thingName, setThingName] = useState(initialThing ?? '');
  const [policyName, setPolicyName] = useState('FerryDevicePolicy');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [issued, setIssued] = useState<{ thingName: string; fileName: string; rotated: boolean; certificateId: string } | undefined>(undefined);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const name = thingName.trim();
      const { blob, fileName, headers } = await postForFile('api/flows/connect', { thingName: name, policyName: policyName.trim() });
      saveFile(blob, fileName);
      setIssued({ thingName: name, fileName, rotated: headers.get('x-ferry-rotated') === 'true', certificateId: headers.get('x-ferry-certificate-id') ?? '' });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Page title="Connect a device">
      <p>
        Makes the thing, a certificate for it and a device policy that lets it use its own Jobs topics (scoped by <code>{'${iot:Connection.Thing.ThingName}'}</code>), then
        gives you its connection kit as one zip. Downloading again later issues a new certificate; the old one keeps working until the new one connects.
      </p>
      <form onSubmit={submit}>
        <p>
          <label for="connect-thing">Thing name</label>
          <input id="connect-thing" value={thingName} onInput={(e) => setThingName((e.target as HTMLInputElement).value)} required pattern="[a-zA-Z0-9:_\-]{1,128}" aria-describedby="connect-thing-hint" />
          <span id="connect-thing-hint" class="hint">
            Letters, digits, colons, underscores and hyphens. The device connects with this as its client id.
          </span>
        </p>
        <p>
          <label for="connect-policy">Device policy</label>
          <input id="connect-policy" value={policyName} onInput={(e) => setPolicyName((e.target as HTMLInputElement).value)} required aria-describedby="connect-policy-hint" />
          <span id="connect-policy-hint" class="hint">
            Made with the device's Jobs topics if it does not exist; attached to the new certificate.
          </span>
        </p>
        <button type="submit" disabled={busy}>
          {busy ? 'Making the kit…' : 'Create and download the connection kit'}
        </button>
      </form>
      <ErrorBox error={error} />
      {issued && (
        <>
          <p class="ok" role="status">
            Downloaded <code>{issued.fileName}</code> with certificate <code>{issued.certificateId.slice(0, 12)}…</code>
            {issued.rotated ? ' (a new certificate: the old one is retired once this one connects).' : '.'}
          </p>
          <h2>Run it on the device</h2>
          <p>The device needs Node.js 20.19 or later, and nothing else:</p>
          <pre>
            {`unzip ${issued.fileName}\ncd ${issued.fileName.replace(/\.zip$/, '')}\n./start.sh`}
          </pre>
          <Checklist thingName={issued.thingName} />
        </>
      )}
    </Page>
  );
}
