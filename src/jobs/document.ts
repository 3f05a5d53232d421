/**
 * Job documents: parsing them, finding their `${aws:iot:s3-presigned-url:URL}`
 * placeholders and rendering them with freshly signed links (§5). Pure: the
 * caller passes the signer and Ferry's own S3 origins.
 */
import { invalidInput } from '../errors.js';
import { parseJson } from '../json-syntax.js';

// aws-wire-protocols.md §3.3, §9: a job document is at most 32 KB. Counted in UTF-8 bytes so
// a document always fits the device's MQTT payload.
export const MAX_JOB_DOCUMENT_BYTES = 32768;
// AWS documents no nesting limit; 1000 is Jackson's default, and it keeps every walk over a
// document (ours, JSON.stringify's) well inside the call stack.
export const MAX_JOB_DOCUMENT_DEPTH = 1000;
const PLACEHOLDER_PREFIX = '${aws:iot:s3-presigned-url:';
const MAX_KEY_BYTES = 1024;

export interface S3Location {
  bucket: string;
  key: string;
}
export interface PresignedPlaceholder extends S3Location {
  /** The URL as written inside the placeholder. */
  url: string;
}

/** Parses a job document: JSON, an object, ≤ 32768 bytes, ≤ 1000 levels deep. */
export function parseJobDocument(text: string): unknown {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_JOB_DOCUMENT_BYTES) {
    throw invalidInput(`The job document is too large: ${bytes} bytes; the maximum is ${MAX_JOB_DOCUMENT_BYTES} bytes.`, 'document-too-large');
  }
  let doc: unknown;
  try {
    // Editors on Windows save a byte-order mark; JSON.parse refuses it.
    doc = parseJson(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw invalidInput(`The job document is not valid JSON: ${(e as Error).message}`, 'invalid-document');
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw invalidInput('The job document must be a JSON object.', 'invalid-document');
  }
  if (depthOver(doc, MAX_JOB_DOCUMENT_DEPTH)) {
    throw invalidInput(`The job document is nested more than ${MAX_JOB_DOCUMENT_DEPTH} levels deep.`, 'invalid-document');
  }
  return doc;
}

/** Iterative, so a pathological document cannot blow the stack while being checked. */
function depthOver(root: unknown, max: number): boolean {
  const stack: Array<{ value: unknown; depth: number }> = [{ value: root, depth: 1 }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    if (item.value === null || typeof item.value !== 'object') continue;
    if (item.depth > max) return true;
    for (const child of Object.values(item.value)) stack.push({ value: child, depth: item.depth + 1 });
  }
  return false;
}

// ---------------------------------------------------------------------------
// S3 object URLs

// aws-wire-protocols.md §5, §4.1: s3.amazonaws.com, s3.REGION.amazonaws.com, s3-REGION.amazonaws.com
// (also dualstack and the .cn partition) are path-style; BUCKET.<one of those> is virtual-hosted.
const AWS_S3_HOST = 's3(?:\\.dualstack)?(?:[.-][a-z0-9-]+)?\\.amazonaws\\.com(?:\\.cn)?';
const AWS_PATH_STYLE_HOST = new RegExp(`^${AWS_S3_HOST}$`);
const AWS_VIRTUAL_HOST = new RegExp(`^(.+)\\.${AWS_S3_HOST}$`);
const URL_PARTS = /^(https?):\/\/([^/?#]+)([^?#]*)/i;
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

type Located = { ok: true; loc: S3Location } | { ok: false; why: string };

/**
 * The bucket and key an S3 object URL names: the AWS path-style, regional and
 * virtual-hosted forms, and path-style URLs on one of `ownS3Origins` (Ferry's
 * S3 endpoint, e.g. `https://ferry.example:9000`). Used by placeholders and by
 * CreateJob's documentSource. The query string and fragment are ignored.
 */
export function parseS3Url(url: string, ownS3Origins: readonly string[] = []): S3Location {
  const r = locate(url, ownS3Origins);
  if (!r.ok) throw invalidInput(`Invalid S3 object URL '${clip(url)}': ${r.why}.`, 'invalid-s3-url');
  return r.loc;
}

function locate(url: string, ownS3Origins: readonly string[]): Located {
  const parts = URL_PARTS.exec(url);
  if (!parts) return { ok: false, why: 'expected an https:// URL of an S3 object' };
  const [, scheme = '', authority = '', path = ''] = parts;
  const origin = originOf(`${scheme}://${authority}`);
  if (origin === undefined || authority.includes('@')) return { ok: false, why: `'${authority}' is not a valid host` };
  if (normalizedOrigins(ownS3Origins).has(origin.origin)) return pathStyle(path);
  if (AWS_PATH_STYLE_HOST.test(origin.hostname)) return pathStyle(path);
  const virtual = AWS_VIRTUAL_HOST.exec(origin.hostname);
  if (virtual?.[1] !== undefined) return object(virtual[1], path.replace(/^\//, ''));
  return { ok: false, why: `the host '${origin.hostname}' is neither an AWS S3 endpoint nor this server's S3 endpoint` };
}

function originOf(base: string): { origin: string; hostname: string } | undefined {
  try {
    const u = new URL(base);
    return { origin: u.origin, hostname: u.hostname };
  } catch {
    return undefined;
  }
}

function normalizedOrigins(origins: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const o of origins) {
    const n = originOf(o);
    if (n) out.add(n.origin);
  }
  return out;
}

/** `/BUCKET/KEY…` */
function pathStyle(path: string): Located {
  const rest = path.replace(/^\//, '');
  const slash = rest.indexOf('/');
  if (rest === '') return { ok: false, why: 'it names no bucket' };
  if (slash === -1) return { ok: false, why: 'it names a bucket but no object key' };
  return object(rest.slice(0, slash), rest.slice(slash + 1));
}

function object(bucket: string, rawKey: string): Located {
  if (!BUCKET_NAME.test(bucket)) return { ok: false, why: `'${bucket}' is not a valid bucket name` };
  if (rawKey === '') return { ok: false, why: 'it names a bucket but no object key' };
  const key = decodeS3Path(rawKey);
  if (key === undefined) return { ok: false, why: 'the object key has malformed percent-encoding' };
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) return { ok: false, why: `the object key is longer than ${MAX_KEY_BYTES} bytes` };
  return { ok: true, loc: { bucket, key } };
}

/**
 * S3 reads a `+` in an object URL's path as a space (the console's object URLs
 * spell spaces that way) and `%2B` as a plus; `%2F` is a slash like `/`.
 */
function decodeS3Path(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

const clip = (s: string): string => (s.length > 200 ? `${s.slice(0, 200)}…` : s);

// ---------------------------------------------------------------------------
// Placeholders

interface Occurrence {
  start: number;
  end: number;
  loc: S3Location;
  url: string;
}

/** Every placeholder in one string, in order; a malformed one throws, naming it. */
function occurrences(s: string, ownS3Origins: readonly string[]): Occurrence[] {
  const found: Occurrence[] = [];
  let start = s.indexOf(PLACEHOLDER_PREFIX);
  while (start !== -1) {
    const close = s.indexOf('}', start + PLACEHOLDER_PREFIX.length);
    if (close === -1) throw badPlaceholder(s.slice(start), 'it has no closing brace');
    const url = s.slice(start + PLACEHOLDER_PREFIX.length, close);
    if (url === '') throw badPlaceholder(s.slice(start, close + 1), 'it names no URL');
    const r = locate(url, ownS3Origins);
    if (!r.ok) throw badPlaceholder(s.slice(start, close + 1), r.why);
    found.push({ start, end: close + 1, loc: r.loc, url });
    start = s.indexOf(PLACEHOLDER_PREFIX, close + 1);
  }
  return found;
}

const badPlaceholder = (placeholder: string, why: string) =>
  invalidInput(`Invalid presigned-URL placeholder ${clip(placeholder)} in the job document: ${why}.`, 'invalid-placeholder');

/** Calls `visit` on every string value (not keys) of a parsed JSON document. */
function eachString(doc: unknown, visit: (s: string) => void): void {
  if (typeof doc === 'string') visit(doc);
  else if (doc !== null && typeof doc === 'object') for (const v of Object.values(doc)) eachString(v, visit);
}

// AWS IoT's other placeholders (aws-wire-protocols.md §5): AWS fills these in, Ferry cannot, and a
// device must never receive one as literal text.
const AWS_IOT_PLACEHOLDER = /\$\{aws:iot:([^:}]*)/g;
const SERVED_PLACEHOLDER = 's3-presigned-url';
const UNSERVED_WHY: Record<string, string> = {
  'code-sign-signature': 'AWS fills it with a signature made by AWS Signer, which Ferry does not run; sign the file yourself and write the signature into the document',
  parameter: "only a job made from an AWS-managed job template (jobTemplateArn arn:aws:iot:REGION::jobtemplate/NAME:VERSION) fills it, from its documentParameters; write the value into the document",
};

/**
 * Refuses a document using an `${aws:iot:…}` placeholder other than
 * s3-presigned-url (code-sign-signature, parameter, or a name AWS may add),
 * naming the first one: Ferry would otherwise hand it to devices unreplaced.
 */
export function refuseUnservedPlaceholders(document: unknown): void {
  eachString(document, (s) => {
    for (const m of s.matchAll(AWS_IOT_PLACEHOLDER)) {
      const name = m[1] ?? '';
      if (name === SERVED_PLACEHOLDER) continue;
      const why = Object.hasOwn(UNSERVED_WHY, name) ? UNSERVED_WHY[name] : `Ferry replaces only \${aws:iot:${SERVED_PLACEHOLDER}:URL}`;
      throw invalidInput(`The job document uses the placeholder \${aws:iot:${clip(name)}:…}, which Ferry does not serve: ${why}.`, 'unsupported-placeholder');
    }
  });
}

/**
 * The distinct presigned-URL placeholders of a parsed document, in document
 * order (§5). Throws invalidInput (reason 'invalid-placeholder') naming the
 * first malformed one.
 */
export function findPresignedPlaceholders(document: unknown, ownS3Origins: readonly string[] = []): PresignedPlaceholder[] {
  const byUrl = new Map<string, PresignedPlaceholder>();
  eachString(document, (s) => {
    for (const o of occurrences(s, ownS3Origins)) if (!byUrl.has(o.url)) byUrl.set(o.url, { url: o.url, ...o.loc });
  });
  return [...byUrl.values()];
}

/**
 * A deep copy of the document with every placeholder token replaced by the
 * URL `sign` returns for its object (§5: the token is replaced, the rest of
 * the string stays). `sign` is called once per occurrence, so each delivery
 * gets fresh links. The input is never mutated.
 */
export function renderDocument(document: unknown, sign: (loc: S3Location) => string, ownS3Origins: readonly string[] = []): unknown {
  const render = (v: unknown): unknown => {
    if (typeof v === 'string') return renderString(v, sign, ownS3Origins);
    if (Array.isArray(v)) return v.map(render);
    // fromEntries defines keys as own data properties, so a "__proto__" key stays a key.
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, render(x)]));
    return v;
  };
  return render(document);
}

function renderString(s: string, sign: (loc: S3Location) => string, ownS3Origins: readonly string[]): string {
  const found = occurrences(s, ownS3Origins);
  if (found.length === 0) return s;
  let out = '';
  let from = 0;
  for (const o of found) {
    out += s.slice(from, o.start) + sign(o.loc);
    from = o.end;
  }
  return out + s.slice(from);
}
