import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../store/schema.js';
import type { BlobStore } from './blob-store.js';
import type { ObjectLeases } from './leases.js';

type Db = Kysely<Database> | Transaction<Database>;

/** Records blobs that no row points to any more, inside the transaction that let go of them. */
export async function trashBlobs(trx: Db, blobIds: string[], owner: { bucket: string; key: string }, nowMs: number): Promise<void> {
  if (blobIds.length === 0) return;
  for (let i = 0; i < blobIds.length; i += 500) {
    const rows = blobIds.slice(i, i + 500).map((blob_id) => ({ blob_id, bucket: owner.bucket, key: owner.key, created_at: nowMs }));
    await trx.insertInto('s3_blob_trash').values(rows).onConflict((oc) => oc.column('blob_id').doNothing()).execute();
  }
}

/**
 * Deletes trashed blobs whose object nobody holds, then their trash rows.
 * Runs after each write that trashed something, when a lease is given back,
 * and at start (after a crash, nothing is held).
 */
export class TrashCollector {
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly blobs: BlobStore,
    private readonly leases: ObjectLeases,
    private readonly logger: Logger,
    /** A shared blob directory: a trashed blob is kept this long (by `now`), as another node may still be about to read it. */
    private readonly grace: { ms: number; now: () => number } | undefined = undefined,
  ) {}

  /** Empties the trash of one object, or all of it; runs are serialised. */
  collect(owner?: { bucket: string; key: string }): Promise<void> {
    const run = this.running.then(() => this.collectNow(owner));
    this.running = run.catch((error: unknown) => this.logger.error({ err: error }, 'emptying the object trash failed'));
    return this.running;
  }

  private async collectNow(owner?: { bucket: string; key: string }): Promise<void> {
    let after = '';
    for (;;) {
      let query = this.db.selectFrom('s3_blob_trash').select(['blob_id', 'bucket', 'key']).where('blob_id', '>', after).orderBy('blob_id').limit(500);
      if (owner) query = query.where('bucket', '=', owner.bucket).where('key', '=', owner.key);
      if (this.grace) query = query.where('created_at', '<=', this.grace.now() - this.grace.ms);
      const rows = await query.execute();
      const free = rows.filter((r) => r.bucket === null || r.key === null || !this.leases.isHeld(r.bucket, r.key));
      for (const row of free) await this.blobs.delete(row.blob_id);
      if (free.length > 0) await this.db.deleteFrom('s3_blob_trash').where('blob_id', 'in', free.map((r) => r.blob_id)).execute();
      const last = rows[rows.length - 1];
      if (rows.length < 500 || !last) return;
      after = last.blob_id;
    }
  }

  /** Waits for runs in progress (tests, shutdown). */
  idle(): Promise<void> {
    return this.running;
  }
}
