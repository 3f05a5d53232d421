import { Command } from 'commander';
import { withServer } from './client-config.js';
import { configureTree, withConnection, type ConnectionFlags } from './command.js';
import { processIo, type CliIo } from './io.js';
import { action, printJson, printTable, when } from './output.js';
import { formatBytes } from './progress.js';
import { createBucket, deleteBucket, listBuckets, listObjects } from './ops/objects.js';

/** `ferry bucket create|list|ls|delete`: S3 buckets, the story's step 3. */
export function bucketCommand(io: CliIo = processIo()): Command {
  const bucket = new Command('bucket').description('S3 buckets: create, list, list objects, delete');

  withConnection(bucket.command('create').description('create a bucket').argument('<bucket>')).action(
    action(io, async (name: string, flags: ConnectionFlags) => {
      const out = await withServer(flags, io, (conn) => createBucket(conn, name));
      if (flags.json) return printJson(io.stdout, out);
      io.stdout.write(`created bucket ${name}\n`);
    }),
  );

  withConnection(bucket.command('list').description('list buckets')).action(
    action(io, async (flags: ConnectionFlags) => {
      const buckets = await withServer(flags, io, listBuckets);
      if (flags.json) return printJson(io.stdout, buckets.map((b) => ({ name: b.Name, created: when(b.CreationDate) })));
      printTable(io.stdout, ['BUCKET', 'CREATED'], buckets.map((b) => [b.Name, when(b.CreationDate)]));
    }),
  );

  withConnection(bucket.command('ls').description("list a bucket's objects").argument('<bucket>').argument('[prefix]')).action(
    action(io, async (name: string, prefix: string | undefined, flags: ConnectionFlags) => {
      const objects = await withServer(flags, io, (conn) => listObjects(conn, name, prefix));
      const rows = objects.map((o) => ({ key: o.Key, size: o.Size, etag: o.ETag, lastModified: when(o.LastModified) }));
      if (flags.json) return printJson(io.stdout, rows);
      printTable(io.stdout, ['KEY', 'SIZE', 'MODIFIED', 'ETAG'], rows.map((o) => [o.key, formatBytes(o.size ?? 0), o.lastModified, o.etag]));
    }),
  );

  withConnection(bucket.command('delete').description('delete an empty bucket').argument('<bucket>')).action(
    action(io, async (name: string, flags: ConnectionFlags) => {
      const out = await withServer(flags, io, (conn) => deleteBucket(conn, name));
      if (flags.json) return printJson(io.stdout, out);
      io.stdout.write(`deleted bucket ${name}\n`);
    }),
  );

  return configureTree(bucket, io);
}
