import { useState } from 'preact/hooks';
import { ApiError, identity, iot } from '../api.js';
import { go } from '../router.js';
import { ErrorBox, Page } from '../ui.js';

interface Fix {
  kind: string;
  label: string;
  [k: string]: unknown;
}
interface Check {
  id: string;
  ok: boolean;
  message: string;
  fix?: Fix;
}
interface Checked {
  checks: Check[];
  things: string[];
  roleArn: string;
  arnPrefix: string;
}

async function post<T>(path: string, body: unknown): Promise<T> {
  const response = await fetch(path, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const parsed = (await response.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
  if (!response.ok) {
    if (response.status === 401) identity.value = null;
    throw new ApiError(parsed.error?.code ?? `HTTP ${response.status}`, parsed.error?.message ?? response.statusText, response.status);
  }
  return parsed as T;
}

/** The placeholder Ferry (as AWS) replaces with a presigned link when a device gets its job. */
export const placeholderFor = (bucket: string, key: string) => `\${aws:iot:s3-presigned-url:https://s3.amazonaws.com/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}}`;

const documentFor = (bucket: string, key: string) => JSON.stringify({ operation: 'download', url: placeholderFor(bucket || 'BUCKET', key || 'KEY') }, null, 2);

const list = (s: string) => s.split(/[\s,]+/).map((x) => x.trim()).filter(Boolean);

/** "10 devices a minute, stop if 20 % of the first 50 fail, each device has 30 minutes". */
export function preview(o: { perMinute: string; abortPercent: string; abortAfter: string; timeoutMinutes: string }): string {
  const parts = [];
  parts.push(o.perMinute ? `${o.perMinute} device${o.perMinute === '1' ? '' : 's'} a minute` : 'every device at once');
  if (o.abortPercent) parts.push(`stop if ${o.abortPercent} % of the first ${o.abortAfter || '1'} fail`);
  else parts.push('never stop on failures');
  parts.push(o.timeoutMinutes ? `each device has ${o.timeoutMinutes} minute${o.timeoutMinutes === '1' ? '' : 's'} once it starts` : 'no time limit once a device starts');
  return `${parts.join(', ')}.`;
}

function Field({ id, label, value, set, hint, type, required = false }: { id: string; label: string; value: string; set: (v: string) => void; hint?: string; type?: 'numeric'; required?: boolean }) {
  return (
    <p>
      <label for={id}>{label}</label>
      <input id={id} {...(type ? { inputMode: 'numeric' as const, pattern: '[0-9]*' } : {})} value={value} onInput={(e) => set((e.target as HTMLInputElement).value)} required={required} {...(hint ? { 'aria-describedby': `${id}-hint` } : {})} />
      {hint && (
        <span id={`${id}-hint`} class="hint">
          {hint}
        </span>
      )}
    </p>
  );
}

export function Distribute() {
  const [bucket, setBucket] = useState('');
  const [key, setKey] = useState('');
  const [things, setThings] = useState('');
  const [groups, setGroups] = useState('');
  const [role, setRole] = useState('FerryJobDownloads');
  const [jobId, setJobId] = useState('');
  const [document, setDocument] = useState('');
  const [perMinute, setPerMinute] = useState('');
  const [abortPercent, setAbortPercent] = useState('');
  const [abortAfter, setAbortAfter] = useState('');
  const [timeoutMinutes, setTimeoutMinutes] = useState('');
  const [checked, setChecked] = useState<Checked | undefined>(undefined);
  const [confirming, setConfirming] = useState<Fix | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);

  const targets = () => [...list(things).map((name) => ({ kind: 'thing', name })), ...list(groups).map((name) => ({ kind: 'group', name }))];
  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await work();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const check = () => run(async () => setChecked(await post<Checked>('api/flows/distribute/check', { bucket, key, role, targets: targets() })));
  const applyFix = (fix: Fix) =>
    run(async () => {
      await post('api/flows/distribute/fix', { fix });
      setConfirming(undefined);
      setChecked(await post<Checked>('api/flows/distribute/check', { bucket, key, role, targets: targets() }));
    });
  const allOk = checked !== undefined && checked.checks.every((c) => c.ok);
  const submit = (event: Event) => {
    event.preventDefault();
    if (!checked || !allOk) return void check();
    void run(async () => {
      const body: Record<string, unknown> = {
        targets: targets().map((t) => `${checked.arnPrefix}${t.kind === 'thing' ? 'thing' : 'thinggroup'}/${t.name}`),
        document: document || documentFor(bucket, key),
        presignedUrlConfig: { roleArn: checked.roleArn, expiresInSec: 3600 },
        ...(perMinute ? { jobExecutionsRolloutConfig: { maximumPerMinute: Number(perMinute) } } : {}),
        ...(abortPercent ? { abortConfig: { criteriaList: [{ failureType: 'FAILED', action: 'CANCEL', thresholdPercentage: Number(abortPercent), minNumberOfExecutedThings: Number(abortAfter || '1') }] } } : {}),
        ...(timeoutMinutes ? { timeoutConfig: { inProgressTimeoutInMinutes: Number(timeoutMinutes) } } : {}),
      };
      const id = jobId.trim() || `distribute-${Date.now()}`;
      await iot('PUT', `/jobs/${encodeURIComponent(id)}`, { body });
      go(`/jobs/${id}`);
    });
  };
  const stale = () => setChecked(undefined);
  return (
    <Page title="Distribute a file">
      <p>Choose the file and the devices; Ferry checks what CreateJob would refuse, and what would make the devices fail, before you submit — each with a fix you confirm.</p>
      <form onSubmit={submit} onInput={stale}>
        <fieldset>
          <legend>The file</legend>
          <Field id="d-bucket" label="Bucket" value={bucket} set={setBucket} required />
          <Field id="d-key" label="Object key" value={key} set={setKey} required hint="Upload it on the Buckets page or with ferry cp." />
        </fieldset>
        <fieldset>
          <legend>Targets</legend>
          <Field id="d-things" label="Things" value={things} set={setThings} hint="Names, separated by commas or spaces." />
          <Field id="d-groups" label="Thing groups" value={groups} set={setGroups} />
        </fieldset>
        <fieldset>
          <legend>The job</legend>
          <Field id="d-job-id" label="Job id" value={jobId} set={setJobId} hint="Letters, digits, - and _; left empty, one is made." />
          <p>
            <label for="d-document">Job document</label>
            <textarea id="d-document" rows={6} value={document || documentFor(bucket, key)} onInput={(e) => setDocument((e.target as HTMLTextAreaElement).value)} aria-describedby="d-document-hint" />
            <span id="d-document-hint" class="hint">
              <code>{'${aws:iot:s3-presigned-url:…}'}</code> becomes a link signed by the role when a device gets its job.
            </span>
          </p>
          <button type="button" onClick={() => setDocument(documentFor(bucket, key))}>
            Insert the download document for this file
          </button>
          <Field id="d-role" label="Presign role" value={role} set={setRole} required hint="Name or ARN of the role that signs the download links." />
        </fieldset>
        <fieldset>
          <legend>Rollout, abort and timeout</legend>
          <Field id="d-rate" label="Devices a minute" type="numeric" value={perMinute} set={setPerMinute} hint="Empty: all at once." />
          <Field id="d-abort" label="Stop when this percentage fails" type="numeric" value={abortPercent} set={setAbortPercent} />
          <Field id="d-abort-after" label="…of the first this many devices" type="numeric" value={abortAfter} set={setAbortAfter} />
          <Field id="d-timeout" label="Minutes each device has once started" type="numeric" value={timeoutMinutes} set={setTimeoutMinutes} />
          <p class="hint" aria-live="polite" data-testid="preview">
            {preview({ perMinute, abortPercent, abortAfter, timeoutMinutes })}
          </p>
        </fieldset>
        <p class="actions">
          <button type="button" onClick={check} disabled={busy}>
            Check
          </button>
          <button type="submit" disabled={busy || !allOk}>
            Create the job
          </button>
        </p>
      </form>
      <ErrorBox error={error} />
      {checked && (
        <section aria-labelledby="checks-title">
          <h2 id="checks-title">Before submitting</h2>
          <ul class="checks">
            {checked.checks.map((c) => (
              <li key={c.id} data-check={c.id} data-ok={String(c.ok)} class={c.ok ? 'ok' : 'problem'}>
                <span aria-hidden="true">{c.ok ? '✓' : '✗'}</span> {c.message}
                {c.fix && confirming?.kind !== c.fix.kind && (
                  <>
                    {' '}
                    <button type="button" onClick={() => setConfirming(c.fix)} disabled={busy}>
                      Fix: {c.fix.label}
                    </button>
                  </>
                )}
                {c.fix && confirming?.kind === c.fix.kind && (
                  <span class="actions">
                    <span role="alert">Apply “{c.fix.label}”?</span>
                    <button type="button" onClick={() => applyFix(c.fix!)} disabled={busy}>
                      Yes, apply it
                    </button>
                    <button type="button" onClick={() => setConfirming(undefined)}>
                      No
                    </button>
                  </span>
                )}
              </li>
            ))}
          </ul>
          {allOk && <p class="ok">Every check passes: the job can be created.</p>}
        </section>
      )}
    </Page>
  );
}
