import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Principal } from '../iam/principal.js';
import type { Store } from '../store/db.js';
import type { Database } from '../store/schema.js';
import { NO_POLICIES, type AccessPolicySource } from './access.js';
import type { BlobStore } from './blob-store.js';
import * as buckets from './buckets.js';
import * as bucketPolicies from './bucket-policies.js';
import { BucketPolicySource, type PublicAccessBlock } from './bucket-policies.js';
import type { ObjectsDeps } from './deps.js';
import { ObjectLeases } from './leases.js';
import * as listing from './listing.js';
import { LocalDiskBlobStore } from './local-disk.js';
import * as multipart from './multipart.js';
import { abortUploadsOf } from './multipart-rows.js';
import * as objects from './objects.js';
import { recoverStagedBlobs } from './recovery.js';
import { TrashCollector } from './trash.js';

/** Uploads not completed or aborted within this age are aborted (documented in README, "S3"). */
export const ABANDONED_UPLOAD_AGE_MS = 7 * 24 * 3600 * 1000;
export const SWEEP_INTERVAL_MS = 3600 * 1000;
/** A shared blob directory: staged or trashed blobs younger than this may belong to another node's upload or read in flight. */
export const SHARED_BLOB_GRACE_MS = 3600 * 1000;

export interface ObjectStoreOptions {
  store: Store;
  clock: Clock;
  logger: Logger;
  region: string;
  /** Folder of the local-disk blob store (ignored when `blobs` is given). */
  root: string;
  blobs?: BlobStore;
  policies?: AccessPolicySource;
  /** Uploads older than this are aborted (default ABANDONED_UPLOAD_AGE_MS). */
  abandonedUploadMs?: number;
  /** In a cluster the sweep runs on one node at a time. */
  singleton?: { run(work: () => Promise<void>): Promise<boolean> };
  /** Other nodes write to the same blob directory (a cluster): staged blobs may be theirs, in flight. */
  sharedBlobs?: boolean;
}

/**
 * The object store: buckets, objects, multipart uploads over a blob store,
 * every operation authorized for its principal at one decision point
 * (access.ts). Protocol-free: the S3 adapter maps requests onto these methods.
 */
export class ObjectStore {
  readonly deps: ObjectsDeps;
  private policySource: AccessPolicySource;
  private readonly bucketPolicySource: BucketPolicySource;
  private timer?: NodeJS.Timeout;
  private readonly abandonedUploadMs: number;
  private readonly singleton: ObjectStoreOptions['singleton'];
  private readonly sharedBlobs: boolean;

  constructor(opts: ObjectStoreOptions) {
    this.policySource = opts.policies ?? NO_POLICIES;
    const bucketPolicySource = new BucketPolicySource(opts.store.db);
    // Identity policies come from IAM (installed after start); bucket policies from this store.
    this.bucketPolicySource = bucketPolicySource;
    this.abandonedUploadMs = opts.abandonedUploadMs ?? ABANDONED_UPLOAD_AGE_MS;
    this.singleton = opts.singleton;
    this.sharedBlobs = opts.sharedBlobs ?? false;
    const blobs = opts.blobs ?? new LocalDiskBlobStore(opts.root);
    const db: Kysely<Database> = opts.store.db;
    let trash: TrashCollector | undefined;
    const leases = new ObjectLeases((bucket, key) => void trash?.collect({ bucket, key }));
    // Other nodes' readers are not in this node's leases: in a cluster, trashed blobs wait out a grace period.
    trash = new TrashCollector(db, blobs, leases, opts.logger, opts.sharedBlobs ? { ms: SHARED_BLOB_GRACE_MS, now: () => opts.clock.now() } : undefined);
    this.deps = {
      db,
      dialect: opts.store.dialect,
      blobs,
      clock: opts.clock,
      logger: opts.logger,
      region: opts.region,
      leases,
      trash,
      policies: () => this.accessSource(),
    };
  }

  /** IAM's identity policies (installed after start) with this store's bucket policies. */
  private accessSource(): AccessPolicySource {
    const identity = this.policySource;
    const bucketPolicies = this.bucketPolicySource;
    return {
      policiesFor: (p) => identity.policiesFor(p),
      bucketPolicyOf: (b) => bucketPolicies.policyOf(b),
      ...(identity.decide ? { decide: identity.decide.bind(identity) } : {}),
    };
  }

  /** Where role sessions' policies come from (installed by the IAM part). */
  usePolicies(source: AccessPolicySource): void {
    this.policySource = source;
  }

  /** Recovers from a crash (staged blobs, trash), aborts abandoned uploads, and keeps doing so hourly. */
  async start(): Promise<void> {
    await this.deps.blobs.open();
    const recovered = await recoverStagedBlobs(this.deps.db, this.deps.blobs, this.sharedBlobs ? { olderThanMs: SHARED_BLOB_GRACE_MS } : {});
    if (recovered.committed + recovered.discarded > 0) this.deps.logger.info(recovered, 'object store recovered staged blobs');
    await this.deps.trash.collect();
    await this.sweepAbandonedUploads();
    this.timer = setInterval(() => void this.sweepAbandonedUploads(), SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.deps.trash.idle();
  }

  /** Aborts uploads older than the abandoned-upload age (s3.abandonedUploadDays) by the clock; returns how many (on one node of a cluster at a time). */
  async sweepAbandonedUploads(): Promise<number> {
    if (!this.singleton) return this.sweepNow();
    let count = 0;
    await this.singleton.run(async () => {
      count = await this.sweepNow();
    });
    return count;
  }

  private async sweepNow(): Promise<number> {
    try {
      const now = this.deps.clock.now();
      const count = await this.deps.db.transaction().execute((trx) => abortUploadsOf(trx, { createdBefore: now - this.abandonedUploadMs }, now));
      if (count > 0) this.deps.logger.info({ count }, 'aborted abandoned multipart uploads');
      await this.deps.trash.collect();
      return count;
    } catch (error) {
      this.deps.logger.error({ err: error }, 'sweeping abandoned multipart uploads failed');
      return 0;
    }
  }

  createBucket = (p: Principal, bucket: string, locationConstraint?: string) => buckets.createBucket(this.deps, p, bucket, locationConstraint);
  /** HeadBucket (s3:ListBucket), or any bucket-level read that only needs the bucket to exist (its own action). */
  headBucket = (p: Principal, bucket: string, action = 's3:ListBucket') => buckets.headBucket(this.deps, p, bucket, action);
  /** The server's own question (CreateJob's placeholder check), not a caller's: no authorization. */
  bucketExists = (bucket: string) => buckets.bucketExists(this.deps.db, bucket);
  getBucketLocation = (p: Principal, bucket: string) => buckets.headBucket(this.deps, p, bucket, 's3:GetBucketLocation');
  listBuckets = (p: Principal) => buckets.listBuckets(this.deps, p);
  putBucketPolicy = (p: Principal, bucket: string, policy: string, accountId: string) => bucketPolicies.putBucketPolicy(this.deps, p, bucket, policy, accountId);
  getBucketPolicy = (p: Principal, bucket: string) => bucketPolicies.getBucketPolicy(this.deps, p, bucket);
  deleteBucketPolicy = (p: Principal, bucket: string) => bucketPolicies.deleteBucketPolicy(this.deps, p, bucket);
  getBucketPolicyStatus = (p: Principal, bucket: string) => bucketPolicies.getBucketPolicyStatus(this.deps, p, bucket);
  putPublicAccessBlock = (p: Principal, bucket: string, block: PublicAccessBlock) => bucketPolicies.putPublicAccessBlock(this.deps, p, bucket, block);
  getPublicAccessBlock = (p: Principal, bucket: string) => bucketPolicies.getPublicAccessBlock(this.deps, p, bucket);
  deletePublicAccessBlock = (p: Principal, bucket: string) => bucketPolicies.deletePublicAccessBlock(this.deps, p, bucket);
  deleteBucket = (p: Principal, bucket: string) => buckets.deleteBucket(this.deps, p, bucket);

  putObject = (p: Principal, input: objects.PutObjectInput) => objects.putObject(this.deps, p, input);
  getObject = (p: Principal, input: objects.ReadObjectInput) => objects.readObject(this.deps, p, input, true);
  headObject = (p: Principal, input: objects.ReadObjectInput) => objects.readObject(this.deps, p, input, false);
  deleteObject = (p: Principal, bucket: string, key: string) => objects.deleteObject(this.deps, p, bucket, key);
  deleteObjects = (p: Principal, bucket: string, keys: string[]) => objects.deleteObjects(this.deps, p, bucket, keys);
  listObjects = (p: Principal, input: listing.ListInput) => listing.listObjects(this.deps, p, input);

  createUpload = (p: Principal, input: multipart.CreateUploadInput) => multipart.createUpload(this.deps, p, input);
  uploadPart = (p: Principal, input: multipart.UploadPartInput) => multipart.uploadPart(this.deps, p, input);
  completeUpload = (p: Principal, input: multipart.CompleteUploadInput) => multipart.completeUpload(this.deps, p, input);
  abortUpload = (p: Principal, input: { bucket: string; key: string; uploadId: string }) => multipart.abortUpload(this.deps, p, input);
  listParts = (p: Principal, input: Parameters<typeof multipart.listParts>[2]) => multipart.listParts(this.deps, p, input);
  listUploads = (p: Principal, input: Parameters<typeof multipart.listUploads>[2]) => multipart.listUploads(this.deps, p, input);
}

/** Builds and starts the object store (composition root). */
export async function createObjectStore(opts: ObjectStoreOptions): Promise<ObjectStore> {
  const store = new ObjectStore(opts);
  await store.start();
  return store;
}
