import { useState } from 'preact/hooks';
import { downloadHref, presign, s3, upload, type RunningUpload, type UploadProgress } from '../aws.js';
import { go, href } from '../router.js';
import { Empty, ErrorBox, Loading, Page, Table, useLoad } from '../ui.js';

const input = (set: (v: string) => void) => (e: Event) => set((e.target as HTMLInputElement).value);
const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
const size = (n: number) => (n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : mib(n));

export function Buckets() {
  const list = useLoad(() => s3<{ Buckets?: Array<{ Name: string; CreationDate?: string }> }>('ListBuckets'), []);
  const [name, setName] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const create = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    try {
      await s3('CreateBucket', { Bucket: name });
      go(`/buckets/${name}`);
    } catch (e) {
      setError(e);
    }
  };
  const buckets = list.data?.Buckets ?? [];
  return (
    <Page title="Buckets">
      <ErrorBox error={list.error} />
      {list.loading && !list.data && <Loading what="buckets" />}
      {list.data && (
        <Table caption={`${buckets.length} buckets`} head={['Bucket', 'Created']}>
          {buckets.length === 0 && <Empty colSpan={2}>No bucket yet. Create one below, then upload the files your jobs download.</Empty>}
          {buckets.map((b) => (
            <tr key={b.Name}>
              <td>
                <a href={href(`/buckets/${b.Name}`)}>{b.Name}</a>
              </td>
              <td>{b.CreationDate ? new Date(b.CreationDate).toLocaleString() : ''}</td>
            </tr>
          ))}
        </Table>
      )}
      <form class="panel" onSubmit={create} aria-labelledby="create-bucket-title">
        <h2 id="create-bucket-title">Create a bucket</h2>
        <p>
          <label for="new-bucket">Bucket name</label>
          <input id="new-bucket" value={name} onInput={input(setName)} required />
        </p>
        <button type="submit">Create bucket</button>
        <ErrorBox error={error} />
      </form>
    </Page>
  );
}

interface Listing {
  CommonPrefixes?: Array<{ Prefix: string }>;
  Contents?: Array<{ Key: string; Size?: number; LastModified?: string }>;
  IsTruncated?: boolean;
  NextContinuationToken?: string;
}

/** One bucket, browsed a prefix at a time (ListObjectsV2 with the delimiter /). */
export function Bucket({ bucket, prefix }: { bucket: string; prefix: string }) {
  const [token, setToken] = useState<string | undefined>(undefined);
  const list = useLoad(() => s3<Listing>('ListObjectsV2', { Bucket: bucket, Prefix: prefix, Delimiter: '/', MaxKeys: 200, ...(token ? { ContinuationToken: token } : {}) }), [bucket, prefix, token]);
  const [error, setError] = useState<unknown>(undefined);
  const folders = list.data?.CommonPrefixes ?? [];
  const objects = list.data?.Contents ?? [];
  const parts = prefix.split('/').filter(Boolean);
  const remove = async (key: string) => {
    if (!confirm(`Delete ${key}?`)) return;
    setError(undefined);
    try {
      await s3('DeleteObject', { Bucket: bucket, Key: key });
      list.reload();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <Page title={`Bucket ${bucket}`}>
      <nav aria-label="Prefix">
        <a href={href(`/buckets/${bucket}`)}>{bucket}</a>
        {parts.map((p, i) => (
          <span key={i}>
            {' / '}
            <a href={href(`/buckets/${bucket}/${parts.slice(0, i + 1).join('/')}/`)}>{p}</a>
          </span>
        ))}
      </nav>
      <ErrorBox error={list.error} />
      <ErrorBox error={error} />
      {list.loading && !list.data && <Loading what="objects" />}
      {list.data && (
        <Table caption={`${folders.length} prefixes and ${objects.length} objects under ${prefix || 'the top'}`} head={['Name', 'Size', 'Last modified', 'Actions']}>
          {folders.length + objects.length === 0 && <Empty colSpan={4}>Nothing here yet. Upload a file below.</Empty>}
          {folders.map((f) => (
            <tr key={f.Prefix}>
              <td>
                <a href={href(`/buckets/${bucket}/${f.Prefix}`)}>{f.Prefix.slice(prefix.length)}</a>
              </td>
              <td>prefix</td>
              <td />
              <td />
            </tr>
          ))}
          {objects.map((o) => (
            <tr key={o.Key}>
              <td>{o.Key.slice(prefix.length)}</td>
              <td>{size(o.Size ?? 0)}</td>
              <td>{o.LastModified ? new Date(o.LastModified).toLocaleString() : ''}</td>
              <td class="actions">
                <a href={downloadHref(bucket, o.Key)} download aria-label={`Download ${o.Key}`}>
                  Download
                </a>{' '}
                <button type="button" class="danger" aria-label={`Delete ${o.Key}`} onClick={() => void remove(o.Key)}>
                  Delete
                </button>
                <ShareLink bucket={bucket} objectKey={o.Key} />
              </td>
            </tr>
          ))}
        </Table>
      )}
      {list.data?.IsTruncated && (
        <button type="button" onClick={() => setToken(list.data?.NextContinuationToken)}>
          Next page
        </button>
      )}
      <Upload bucket={bucket} prefix={prefix} onDone={list.reload} />
    </Page>
  );
}

const LIFETIMES: Array<[number, string]> = [
  [900, '15 minutes'],
  [3600, '1 hour'],
  [86_400, '1 day'],
  [604_800, '7 days'],
];

/** A presigned GET link for the advertised s3 endpoint, lasting the chosen time. */
function ShareLink({ bucket, objectKey }: { bucket: string; objectKey: string }) {
  const [lifetime, setLifetime] = useState(3600);
  const [link, setLink] = useState<{ url: string; expiresAt: number } | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [copied, setCopied] = useState('');
  const id = `link-${bucket}-${objectKey}`.replace(/[^A-Za-z0-9-]/g, '_');
  const make = async () => {
    setError(undefined);
    setCopied('');
    try {
      const made = await presign(bucket, objectKey, lifetime);
      setLink(made);
      await navigator.clipboard?.writeText(made.url).then(
        () => setCopied('Copied to the clipboard.'),
        () => setCopied('Select the link to copy it.'),
      );
    } catch (e) {
      setError(e);
    }
  };
  return (
    <details class="share">
      <summary>Link</summary>
      <label for={`${id}-lifetime`}>Link lifetime</label>{' '}
      <select id={`${id}-lifetime`} value={lifetime} onChange={(e) => setLifetime(Number((e.target as HTMLSelectElement).value))}>
        {LIFETIMES.map(([s, label]) => (
          <option key={s} value={s}>
            {label}
          </option>
        ))}
      </select>{' '}
      <button type="button" onClick={() => void make()} aria-label={`Copy a presigned link to ${objectKey}`}>
        Copy link
      </button>
      {link && (
        <p>
          <label for={`${id}-url`}>Presigned link (until {new Date(link.expiresAt).toLocaleString()})</label>
          <input id={`${id}-url`} readOnly value={link.url} onFocus={(e) => (e.target as HTMLInputElement).select()} />
          <span role="status">{copied}</span>
        </p>
      )}
      <ErrorBox error={error} />
    </details>
  );
}

/** The one upload form (the Buckets page and the Distribute page): `onDone` gets the key stored. */
export function Upload({ bucket, prefix, onDone, title }: { bucket: string; prefix: string; onDone: (key: string) => void; title?: string }) {
  const [file, setFile] = useState<File | undefined>(undefined);
  const [key, setKey] = useState('');
  const [progress, setProgress] = useState<UploadProgress | undefined>(undefined);
  const [running, setRunning] = useState<RunningUpload | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const start = async (event: Event) => {
    event.preventDefault();
    if (!file) return;
    setError(undefined);
    setProgress(undefined);
    const target = `${prefix}${key || file.name}`;
    const up = upload(bucket, target, file, setProgress);
    setRunning(up);
    try {
      await up.done;
      onDone(target);
    } catch (e) {
      // A cancelled upload's request ends without an answer; the cancel already said so.
      if (!(e instanceof DOMException && e.name === 'AbortError') && !(e instanceof TypeError)) setError(e);
    } finally {
      setRunning(undefined);
    }
  };
  const total = progress?.total ?? file?.size ?? 0;
  return (
    <form class="panel" onSubmit={start} aria-labelledby="upload-title">
      <h2 id="upload-title">{title ?? `Upload to ${prefix || 'the top of the bucket'}`}</h2>
      <p>
        <label for="upload-file">File</label>
        <input id="upload-file" type="file" onChange={(e) => setFile((e.target as HTMLInputElement).files?.[0])} required />
      </p>
      <p>
        <label for="upload-key">Object name (default: the file's name)</label>
        <input id="upload-key" value={key} onInput={input(setKey)} />
      </p>
      <button type="submit" disabled={!file || running !== undefined}>
        Upload
      </button>{' '}
      <button type="button" class="danger" disabled={running === undefined} onClick={() => void running?.cancel()}>
        Cancel upload
      </button>
      {progress && (
        <div class="progress">
          <label for="upload-progress">Received by the server</label>
          <progress id="upload-progress" max={total || 1} value={progress.received} />
          <p role="status" id="upload-status" data-received={progress.received} data-state={progress.state}>
            {progress.state === 'receiving' && `${mib(progress.received)} of ${mib(total)} received by the server`}
            {progress.state === 'completed' && `Uploaded: ${mib(progress.received)} stored.`}
            {progress.state === 'cancelled' && 'Upload cancelled: nothing was kept.'}
            {progress.state === 'failed' && `Upload failed: ${progress.error?.code ?? ''} ${progress.error?.message ?? ''}`}
          </p>
        </div>
      )}
      <ErrorBox error={error} />
    </form>
  );
}
