import { useRef, useState } from 'preact/hooks';
import { ApiError, identity, iot, seg } from '../api.js';
import { s3 } from '../aws.js';
import { preview, retryPreview, schedulePreview, type SchedulingFields } from '../previews.js';
import { go } from '../router.js';
import { ErrorBox, Page, useLoad } from '../ui.js';
import { Upload } from './buckets.js';

/*
 * Distribute a file (issue 23): the file (a bucket's object, or uploaded here with the Buckets page's
 * Upload), the targets (things, thing groups, a fleet query submitted as a dynamic thing group), the
 * document (written, with a placeholder helper, or from a custom or AWS-managed job template), the
 * presign role and CreateJob's rollout/abort/timeout/retry/scheduling fields by AWS's names, each with a
 * preview (../previews.ts). The checks and their fixes are the server's (src/api/console/flows/distribute.ts).
 */

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

function Field({ id, label, value, set, hint, type, required = false, placeholder }: { id: string; label: string; value: string; set: (v: string) => void; hint?: string; type?: 'numeric' | 'decimal' | 'datetime-local'; required?: boolean; placeholder?: string }) {
  const kind = type === 'numeric' ? { inputMode: 'numeric' as const, pattern: '[0-9]*' } : type === 'decimal' ? { inputMode: 'decimal' as const, pattern: '[0-9]+(\\.[0-9])?' } : type ? { type } : {};
  return (
    <p>
      <label for={id}>{label}</label>
      <input id={id} {...kind} value={value} onInput={(e) => set((e.target as HTMLInputElement).value)} required={required} {...(placeholder ? { placeholder } : {})} {...(hint ? { 'aria-describedby': `${id}-hint` } : {})} />
      {hint && (
        <span id={`${id}-hint`} class="hint">
          {hint}
        </span>
      )}
    </p>
  );
}

interface ManagedParameter {
  key: string;
  description?: string;
  example?: string;
  optional?: boolean;
}
/** A template the document can come from: a custom job template of the account, or one of AWS's managed ones. */
interface TemplateChoice {
  arn: string;
  label: string;
  managed?: { name: string; version: string };
}

async function templateChoices(): Promise<TemplateChoice[]> {
  const [custom, managed] = await Promise.all([
    iot<{ jobTemplates?: Array<{ jobTemplateArn: string; jobTemplateId: string; description?: string }> }>('GET', '/job-templates', { query: { maxResults: '250' } }),
    iot<{ managedJobTemplates?: Array<{ templateArn: string; templateName: string; templateVersion: string; description?: string }> }>('GET', '/managed-job-templates', { query: { maxResults: '250' } }),
  ]);
  return [
    ...(custom.jobTemplates ?? []).map((t) => ({ arn: t.jobTemplateArn, label: `${t.jobTemplateId}${t.description ? ` — ${t.description}` : ''}` })),
    ...(managed.managedJobTemplates ?? []).map((t) => ({ arn: t.templateArn, label: `${t.templateName} ${t.templateVersion} (AWS managed)`, managed: { name: t.templateName, version: t.templateVersion } })),
  ];
}

/** How many devices a fleet-indexing query matches now (SearchIndex, page by page). */
async function countMatching(queryString: string): Promise<number> {
  let count = 0;
  let nextToken: string | undefined;
  do {
    const page = await iot<{ things?: unknown[]; nextToken?: string }>('POST', '/indices/search', { body: { queryString, maxResults: 100, ...(nextToken ? { nextToken } : {}) } });
    count += page.things?.length ?? 0;
    nextToken = page.nextToken;
  } while (nextToken);
  return count;
}

const GROUP_BUILD_POLLS = 150;

/** A dynamic thing group for the query, waited on until it is ACTIVE (a SNAPSHOT job takes the members it has then). */
async function dynamicGroupFor(name: string, queryString: string): Promise<string> {
  const made = await iot<{ thingGroupArn: string }>('POST', `/dynamic-thing-groups/${seg(name)}`, { body: { queryString } });
  for (let i = 0; i < GROUP_BUILD_POLLS; i++) {
    const group = await iot<{ status?: string }>('GET', `/thing-groups/${seg(name)}`);
    if (group.status === undefined || group.status === 'ACTIVE') return made.thingGroupArn;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new ApiError('Timeout', `Dynamic thing group ${name} is still evaluating the fleet: try again in a moment.`, 0);
}

/** Inserts `text` into the textarea at its cursor (replacing a selection), returning the new value. */
function insertAtCursor(area: HTMLTextAreaElement, text: string): string {
  const start = area.selectionStart ?? area.value.length;
  const end = area.selectionEnd ?? start;
  return `${area.value.slice(0, start)}${text}${area.value.slice(end)}`;
}

const fileName = (key: string) => key.slice(key.lastIndexOf('/') + 1) || 'file';

export function Distribute() {
  const [bucket, setBucket] = useState('');
  const [key, setKey] = useState('');
  const [things, setThings] = useState('');
  const [groups, setGroups] = useState('');
  const [query, setQuery] = useState('');
  const [matching, setMatching] = useState<number | undefined>(undefined);
  const [targetSelection, setTargetSelection] = useState<'SNAPSHOT' | 'CONTINUOUS'>('SNAPSHOT');
  const [role, setRole] = useState('FerryJobDownloads');
  const [jobId, setJobId] = useState('');
  const [source, setSource] = useState<'write' | 'template'>('write');
  const [document, setDocument] = useState('');
  const [templateArn, setTemplateArn] = useState('');
  const [parameters, setParameters] = useState<ManagedParameter[]>([]);
  const [values, setValues] = useState<Record<string, string>>({});
  const [templateDocument, setTemplateDocument] = useState('');
  const [perMinute, setPerMinute] = useState('');
  const [baseRate, setBaseRate] = useState('');
  const [incrementFactor, setIncrementFactor] = useState('');
  const [increaseEvery, setIncreaseEvery] = useState('');
  const [increaseOn, setIncreaseOn] = useState<'numberOfNotifiedThings' | 'numberOfSucceededThings'>('numberOfNotifiedThings');
  const [abortPercent, setAbortPercent] = useState('');
  const [abortAfter, setAbortAfter] = useState('');
  const [timeoutMinutes, setTimeoutMinutes] = useState('');
  const [failedRetries, setFailedRetries] = useState('');
  const [timedOutRetries, setTimedOutRetries] = useState('');
  const [schedule, setSchedule] = useState<SchedulingFields>({ startTime: '', endTime: '', endBehavior: '', windowCron: '', windowMinutes: '' });
  const [checked, setChecked] = useState<Checked | undefined>(undefined);
  const [confirming, setConfirming] = useState<Fix | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const area = useRef<HTMLTextAreaElement>(null);

  const buckets = useLoad(() => s3<{ Buckets?: Array<{ Name: string }> }>('ListBuckets'), []);
  const bucketNames = (buckets.data?.Buckets ?? []).map((b) => b.Name);
  const known = bucketNames.includes(bucket);
  const objects = useLoad(() => (known ? s3<{ Contents?: Array<{ Key: string }> }>('ListObjectsV2', { Bucket: bucket, MaxKeys: 1000 }) : Promise.resolve(undefined)), [bucket, known]);
  const templates = useLoad(templateChoices, []);

  const stale = () => setChecked(undefined);
  const setSched = (k: keyof SchedulingFields) => (v: string) => setSchedule((s) => ({ ...s, [k]: v }));
  const named = (): Array<{ kind: 'thing' | 'group'; name: string }> => [...list(things).map((name) => ({ kind: 'thing' as const, name })), ...list(groups).map((name) => ({ kind: 'group' as const, name }))];
  const targets = () => [...named(), ...(query.trim() ? [{ kind: 'query' as const, queryString: query.trim() }] : [])];
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
  const checkBody = () => ({ bucket, key, role, targets: targets() });
  const check = () => run(async () => setChecked(await post<Checked>('api/flows/distribute/check', checkBody())));
  const applyFix = (fix: Fix) =>
    run(async () => {
      try {
        await post('api/flows/distribute/fix', { fix });
      } finally {
        setConfirming(undefined);
      }
      if (fix.kind === 'create-bucket') buckets.reload();
      setChecked(await post<Checked>('api/flows/distribute/check', checkBody()));
    });
  const count = () => run(async () => setMatching(await countMatching(query.trim())));
  const chooseTemplate = (arn: string) =>
    run(async () => {
      setTemplateArn(arn);
      setParameters([]);
      setValues({});
      setTemplateDocument('');
      const choice = templates.data?.find((t) => t.arn === arn);
      if (!choice) return;
      if (choice.managed) {
        const t = await iot<{ documentParameters?: ManagedParameter[]; document?: string }>('GET', `/managed-job-templates/${seg(choice.managed.name)}`, { query: { templateVersion: choice.managed.version } });
        const params = t.documentParameters ?? [];
        setParameters(params);
        // The parameters this page knows: the download link for the chosen object, and where it lands.
        const known: Record<string, string> = { downloadUrl: placeholderFor(bucket || 'BUCKET', key || 'KEY'), filePath: `/tmp/${fileName(key)}` };
        setValues(Object.fromEntries(params.filter((p) => known[p.key] !== undefined).map((p) => [p.key, known[p.key]!])));
        setTemplateDocument(t.document ?? '');
      } else {
        const t = await iot<{ document?: string }>('GET', `/job-templates/${seg(arn.slice(arn.lastIndexOf('/') + 1))}`);
        setTemplateDocument(t.document ?? '');
      }
    });
  const insertPlaceholder = () => {
    const el = area.current;
    const text = placeholderFor(bucket || 'BUCKET', key || 'KEY');
    if (!el) return;
    const next = insertAtCursor(el, text);
    const at = (el.selectionStart ?? el.value.length) + text.length;
    setDocument(next);
    requestAnimationFrame(() => {
      el.focus();
      el.setSelectionRange(at, at);
    });
  };
  const allOk = checked !== undefined && checked.checks.every((c) => c.ok);
  const configs = (): Record<string, unknown> => {
    const exponentialRate = baseRate
      ? { baseRatePerMinute: Number(baseRate), incrementFactor: Number(incrementFactor), rateIncreaseCriteria: { [increaseOn]: Number(increaseEvery || '1') } }
      : undefined;
    const retries = [
      ...(failedRetries ? [{ failureType: 'FAILED', numberOfRetries: Number(failedRetries) }] : []),
      ...(timedOutRetries ? [{ failureType: 'TIMED_OUT', numberOfRetries: Number(timedOutRetries) }] : []),
    ];
    const scheduling = {
      ...(schedule.startTime ? { startTime: schedule.startTime } : {}),
      ...(schedule.endTime ? { endTime: schedule.endTime, endBehavior: schedule.endBehavior || 'STOP_ROLLOUT' } : {}),
      ...(schedule.windowCron ? { maintenanceWindows: [{ startTime: schedule.windowCron, durationInMinutes: Number(schedule.windowMinutes) }] } : {}),
    };
    return {
      ...(perMinute || exponentialRate ? { jobExecutionsRolloutConfig: { ...(perMinute ? { maximumPerMinute: Number(perMinute) } : {}), ...(exponentialRate ? { exponentialRate } : {}) } } : {}),
      ...(abortPercent ? { abortConfig: { criteriaList: [{ failureType: 'FAILED', action: 'CANCEL', thresholdPercentage: Number(abortPercent), minNumberOfExecutedThings: Number(abortAfter || '1') }] } } : {}),
      ...(timeoutMinutes ? { timeoutConfig: { inProgressTimeoutInMinutes: Number(timeoutMinutes) } } : {}),
      ...(retries.length > 0 ? { jobExecutionsRetryConfig: { criteriaList: retries } } : {}),
      ...(Object.keys(scheduling).length > 0 ? { schedulingConfig: scheduling } : {}),
    };
  };
  const documentFields = (): Record<string, unknown> => {
    if (source === 'write') return { document: document || documentFor(bucket, key) };
    const managed = templates.data?.find((t) => t.arn === templateArn)?.managed;
    return { jobTemplateArn: templateArn, ...(managed ? { documentParameters: Object.fromEntries(Object.entries(values).filter(([, v]) => v !== '')) } : {}) };
  };
  const submit = (event: Event) => {
    event.preventDefault();
    if (!checked || !allOk) return void check();
    void run(async () => {
      const id = jobId.trim() || `distribute-${Date.now()}`;
      const arns = named().map((t) => `${checked.arnPrefix}${t.kind === 'thing' ? 'thing' : 'thinggroup'}/${t.name}`);
      // A fleet query becomes a dynamic thing group of the same query: the job's target on AWS's wire.
      if (query.trim()) arns.push(await dynamicGroupFor(`${id}-devices`, query.trim()));
      const body: Record<string, unknown> = {
        targets: arns,
        targetSelection,
        ...documentFields(),
        presignedUrlConfig: { roleArn: checked.roleArn, expiresInSec: 3600 },
        ...configs(),
      };
      await iot('PUT', `/jobs/${encodeURIComponent(id)}`, { body });
      go(`/jobs/${id}`);
    });
  };
  const rollout = { perMinute, abortPercent, abortAfter, timeoutMinutes, baseRate, incrementFactor, increaseEvery, increaseOn };
  const objectKeys = (objects.data?.Contents ?? []).map((o) => o.Key);
  return (
    <Page title="Distribute a file">
      <p>Choose the file and the devices; Ferry checks what CreateJob would refuse, and what would make the devices fail, before you submit — each with a fix you confirm.</p>
      <section class="panel" aria-labelledby="d-file-title" onInput={stale} onChange={stale}>
        <h2 id="d-file-title">The file</h2>
        <p>
          <label for="d-bucket">Bucket</label>
          <input id="d-bucket" list="d-bucket-list" value={bucket} onInput={(e) => setBucket((e.target as HTMLInputElement).value)} required aria-describedby="d-bucket-hint" />
          <datalist id="d-bucket-list">
            {bucketNames.map((b) => (
              <option key={b} value={b} />
            ))}
          </datalist>
          <span id="d-bucket-hint" class="hint">
            {buckets.data ? `One of the ${bucketNames.length} buckets, or a new name (the check offers to create it).` : 'A bucket name.'}
          </span>
        </p>
        {known && (
          <p>
            <label for="d-object">Object in {bucket}</label>
            <select id="d-object" value={objectKeys.includes(key) ? key : ''} onChange={(e) => setKey((e.target as HTMLSelectElement).value)}>
              <option value="">{objectKeys.length === 0 ? '(the bucket is empty: upload a file below)' : 'Choose an object…'}</option>
              {objectKeys.map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </select>
          </p>
        )}
        <Field id="d-key" label="Object key" value={key} set={setKey} required hint="Chosen above, uploaded below, or typed." />
        {known && (
          <Upload
            bucket={bucket}
            prefix=""
            title={`Or upload a file into ${bucket}`}
            onDone={(k) => {
              setKey(k);
              stale();
              objects.reload();
            }}
          />
        )}
        <ErrorBox error={buckets.error ?? objects.error} />
      </section>
      <form onSubmit={submit} onInput={stale} onChange={stale}>
        <fieldset>
          <legend>Targets</legend>
          <Field id="d-things" label="Things" value={things} set={setThings} hint="Names, separated by commas or spaces." />
          <Field id="d-groups" label="Thing groups" value={groups} set={setGroups} />
          <p>
            <label for="d-query">Devices matching a fleet query</label>
            <input id="d-query" value={query} onInput={(e) => (setQuery((e.target as HTMLInputElement).value), setMatching(undefined))} placeholder="attributes.model:sensor-v2" aria-describedby="d-query-hint" />
            <span id="d-query-hint" class="hint">
              A fleet indexing query (SearchIndex syntax). Submitted, it becomes the dynamic thing group <code>{(jobId.trim() || 'JOB')}-devices</code>, the job's target.
            </span>{' '}
            <button type="button" onClick={count} disabled={busy || !query.trim()}>
              Count the matching devices
            </button>{' '}
            <span role="status" data-testid="matching">
              {matching !== undefined && `${matching} device${matching === 1 ? '' : 's'} match${matching === 1 ? 'es' : ''} now.`}
            </span>
          </p>
          <p>
            <label for="d-target-selection">Target selection</label>
            <select id="d-target-selection" value={targetSelection} onChange={(e) => setTargetSelection((e.target as HTMLSelectElement).value as 'SNAPSHOT' | 'CONTINUOUS')} aria-describedby="d-target-selection-hint">
              <option value="SNAPSHOT">SNAPSHOT: the devices the targets reach now</option>
              <option value="CONTINUOUS">CONTINUOUS: also devices that join a target group later</option>
            </select>
            <span id="d-target-selection-hint" class="hint">
              AWS recommends CONTINUOUS for a fleet query: a device that matches later gets the job too.
            </span>
          </p>
        </fieldset>
        <fieldset>
          <legend>The job</legend>
          <Field id="d-job-id" label="Job id" value={jobId} set={setJobId} hint="Letters, digits, - and _; left empty, one is made." />
          <fieldset>
            <legend>Where the document comes from</legend>
            <p>
              <input type="radio" id="d-source-write" name="d-source" checked={source === 'write'} onChange={() => setSource('write')} /> <label for="d-source-write">Write it</label>{' '}
              <input type="radio" id="d-source-template" name="d-source" checked={source === 'template'} onChange={() => setSource('template')} /> <label for="d-source-template">From a job template</label>
            </p>
            {source === 'write' && (
              <>
                <p>
                  <label for="d-document">Job document</label>
                  <textarea id="d-document" ref={area} rows={6} value={document || documentFor(bucket, key)} onInput={(e) => setDocument((e.target as HTMLTextAreaElement).value)} aria-describedby="d-document-hint" />
                  <span id="d-document-hint" class="hint">
                    <code>{'${aws:iot:s3-presigned-url:…}'}</code> becomes a link signed by the role when a device gets its job.
                  </span>
                </p>
                <p class="actions">
                  <button type="button" onClick={() => setDocument(documentFor(bucket, key))}>
                    Insert the download document for this file
                  </button>{' '}
                  <button type="button" onClick={insertPlaceholder}>
                    Insert this file's presigned-link placeholder at the cursor
                  </button>
                </p>
              </>
            )}
            {source === 'template' && (
              <>
                <p>
                  <label for="d-template">Job template</label>
                  <select id="d-template" required value={templateArn} onChange={(e) => void chooseTemplate((e.target as HTMLSelectElement).value)}>
                    <option value="">Choose a template…</option>
                    {(templates.data ?? []).map((t) => (
                      <option key={t.arn} value={t.arn}>
                        {t.label}
                      </option>
                    ))}
                  </select>
                </p>
                <ErrorBox error={templates.error} />
                {parameters.map((p) => (
                  <Field key={p.key} id={`d-param-${p.key}`} label={`${p.key}${p.optional ? ' (optional)' : ''}`} value={values[p.key] ?? ''} set={(v) => setValues((o) => ({ ...o, [p.key]: v }))} required={!p.optional} {...(p.description ? { hint: p.description } : {})} {...(p.example ? { placeholder: p.example } : {})} />
                ))}
                {templateDocument && (
                  <details>
                    <summary>The template's document</summary>
                    <pre data-testid="template-document">{templateDocument}</pre>
                  </details>
                )}
              </>
            )}
          </fieldset>
          <Field id="d-role" label="Presign role" value={role} set={setRole} required hint="Name or ARN of the role that signs the download links." />
        </fieldset>
        <fieldset>
          <legend>Rollout, abort and timeout</legend>
          <Field id="d-rate" label="Devices a minute" type="numeric" value={perMinute} set={setPerMinute} hint="Empty: all at once. With a growing rate: its ceiling." />
          <Field id="d-base-rate" label="Growing rate: the starting rate per minute" type="numeric" value={baseRate} set={setBaseRate} hint="exponentialRate.baseRatePerMinute; empty: a steady rate." />
          <Field id="d-factor" label="Multiply the rate by" type="decimal" value={incrementFactor} set={setIncrementFactor} hint="incrementFactor: 1.1 to 5, one decimal." />
          <Field id="d-increase-every" label="…each time this many more devices" type="numeric" value={increaseEvery} set={setIncreaseEvery} />
          <p>
            <label for="d-increase-on">…have been</label>
            <select id="d-increase-on" value={increaseOn} onChange={(e) => setIncreaseOn((e.target as HTMLSelectElement).value as typeof increaseOn)}>
              <option value="numberOfNotifiedThings">notified</option>
              <option value="numberOfSucceededThings">successful</option>
            </select>
          </p>
          <Field id="d-abort" label="Stop when this percentage fails" type="numeric" value={abortPercent} set={setAbortPercent} />
          <Field id="d-abort-after" label="…of the first this many devices" type="numeric" value={abortAfter} set={setAbortAfter} />
          <Field id="d-timeout" label="Minutes each device has once started" type="numeric" value={timeoutMinutes} set={setTimeoutMinutes} />
          <p class="hint" aria-live="polite" data-testid="preview">
            {preview(rollout)}
          </p>
        </fieldset>
        <fieldset>
          <legend>Retry</legend>
          <Field id="d-retry-failed" label="Retries of a failed device" type="numeric" value={failedRetries} set={setFailedRetries} hint="jobExecutionsRetryConfig, failureType FAILED: 0 to 10 in all." />
          <Field id="d-retry-timed-out" label="Retries of a timed-out device" type="numeric" value={timedOutRetries} set={setTimedOutRetries} hint="failureType TIMED_OUT: needs the minutes each device has." />
          <p class="hint" aria-live="polite" data-testid="retry-preview">
            {retryPreview({ failedRetries, timedOutRetries })}
          </p>
        </fieldset>
        <fieldset>
          <legend>Scheduling</legend>
          <Field id="d-start" label="Start (UTC)" type="datetime-local" value={schedule.startTime} set={setSched('startTime')} hint="schedulingConfig.startTime: at least 30 minutes ahead; empty: now." />
          <Field id="d-end" label="End (UTC)" type="datetime-local" value={schedule.endTime} set={setSched('endTime')} />
          <p>
            <label for="d-end-behavior">At the end</label>
            <select id="d-end-behavior" value={schedule.endBehavior} onChange={(e) => setSched('endBehavior')((e.target as HTMLSelectElement).value)}>
              <option value="">STOP_ROLLOUT (the default)</option>
              <option value="CANCEL">CANCEL</option>
              <option value="FORCE_CANCEL">FORCE_CANCEL</option>
            </select>
          </p>
          <Field id="d-window" label="Maintenance window starts (cron)" value={schedule.windowCron} set={setSched('windowCron')} placeholder="cron(0 22 ? * MON-FRI *)" hint="An AWS cron expression, in UTC." />
          <Field id="d-window-minutes" label="Maintenance window minutes" type="numeric" value={schedule.windowMinutes} set={setSched('windowMinutes')} />
          <p class="hint" aria-live="polite" data-testid="schedule-preview">
            {schedulePreview(schedule)}
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
          <p data-testid="reached">
            The targets reach {checked.things.length} device{checked.things.length === 1 ? '' : 's'} now{checked.things.length > 0 && checked.things.length <= 20 ? `: ${checked.things.join(', ')}` : ''}.
          </p>
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
