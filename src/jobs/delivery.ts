/**
 * Rendering a job document for one delivery to a device (aws-wire-protocols.md
 * §5): every `${aws:iot:s3-presigned-url:URL}` becomes a link freshly signed as
 * the job's role, valid for expiresInSec. The stored document never changes.
 */
import { FerryError } from '../errors.js';
import { findPresignedPlaceholders, parseJobDocument, renderDocument, type S3Location } from './document.js';
import type { HistorySink } from '../history/events.js';
import type { Job } from './job.js';
import type { JobExecution } from './types.js';

/** Signs a GET of bucket/key as a role (IamService.presignGetAsRole). */
export type RolePresign = (request: { roleArn: string; bucket: string; key: string; expiresSec: number }) => Promise<string>;

const MAX_CACHED = 1000;

export class Delivery {
  /** Parsed documents by their text (a job's document never changes, so an entry never goes stale). */
  private readonly parsed = new Map<string, unknown>();

  constructor(
    private readonly presign: RolePresign,
    /** Ferry's S3 origins now (the advertised endpoint and the other names it answers to). */
    private readonly currentOrigins: () => string[],
    /** Each link issued goes into the event history (bucket, key, expiry; never the URL). */
    private readonly history?: HistorySink,
  ) {}

  /** The document as the device gets it this time (for `to`'s execution): a parsed object with fresh links. */
  async render(job: Pick<Job, 'jobId' | 'document' | 'presignedUrlConfig' | 's3Origins'>, to?: Pick<JobExecution, 'thingName' | 'executionNumber'>): Promise<unknown> {
    const doc = this.parse(job.document);
    const origins = [...new Set([...this.currentOrigins(), ...job.s3Origins])];
    const placeholders = findPresignedPlaceholders(doc, origins);
    if (placeholders.length === 0) return doc;
    const config = job.presignedUrlConfig;
    if (!config) throw new FerryError('Internal', `Job ${job.jobId} has presigned-URL placeholders but no presignedUrlConfig.`);
    // One fresh link per object per delivery; render's signer is synchronous, so sign first.
    const links = new Map<string, string>();
    for (const p of placeholders) {
      const id = locationId(p);
      if (links.has(id)) continue;
      const url = await this.presign({ roleArn: config.roleArn, bucket: p.bucket, key: p.key, expiresSec: config.expiresInSec });
      links.set(id, url);
      this.history?.linkIssued({ url, bucket: p.bucket, key: p.key, expiresSec: config.expiresInSec, jobId: job.jobId, thingName: to?.thingName, executionNumber: to?.executionNumber });
    }
    return renderDocument(doc, (loc) => links.get(locationId(loc))!, origins);
  }

  private parse(text: string): unknown {
    let doc = this.parsed.get(text);
    if (doc === undefined) {
      doc = parseJobDocument(text);
      this.parsed.set(text, doc);
      if (this.parsed.size > MAX_CACHED) this.parsed.delete(this.parsed.keys().next().value!);
    }
    return doc;
  }
}

const locationId = (loc: S3Location) => `${loc.bucket}\n${loc.key}`;
