import { Command } from 'commander';
import { withServer } from './client-config.js';
import { configureTree, withConnection, type ConnectionFlags } from './command.js';
import { parseS3Url } from './arns.js';
import { processIo, UsageError, type CliIo } from './io.js';
import { action, printJson } from './output.js';
import { integer } from './parse.js';
import { ProgressBar, formatBytes } from './progress.js';
import { downloadFile, uploadFile, type CopyProgress } from './ops/objects.js';
import { resolve } from 'node:path';

interface CpFlags extends ConnectionFlags {
  partSize?: number;
  contentType?: string;
  progress?: boolean;
}

/** The progress bar goes to stderr, so stdout keeps only the result (and --json stays parseable). */
function progressFor(io: CliIo, label: string, enabled: boolean): (CopyProgress & { finish(): void }) | undefined {
  if (!enabled) return undefined;
  let bar: ProgressBar | undefined;
  return {
    start: (total) => {
      bar = new ProgressBar(io.stderr, label, total);
    },
    update: (done) => bar?.update(done),
    finish: () => bar?.finish(),
  };
}

/** `ferry cp FILE s3://B/K` and `ferry cp s3://B/K FILE`, multipart and with a progress bar. */
export function cpCommand(io: CliIo = processIo()): Command {
  const cp = withConnection(
    new Command('cp')
      .description('copy a file to S3 (multipart when large) or an object to a file, with a progress bar')
      .argument('<source>', 'a local file or s3://BUCKET/KEY')
      .argument('<destination>', 's3://BUCKET/KEY (a key ending in / takes the file name) or a local file or directory')
      .option('--part-size <MiB>', 'multipart part size in MiB (5 to 5120)', integer(5, 5120), 8)
      .option('--content-type <type>', 'Content-Type of the uploaded object')
      .option('--no-progress', 'no progress bar'),
  );
  cp.action(
    action(io, async (source: string, destination: string, flags: CpFlags) => {
      const from = parseS3Url(source);
      const to = parseS3Url(destination);
      if (from && to) throw new UsageError('copying from S3 to S3 is not supported: one side must be a local file');
      if (!from && !to) throw new UsageError('one side must be s3://BUCKET/KEY');
      const result = await withServer(flags, io, async (conn) => {
        if (to) {
          const bar = progressFor(io, `upload ${source}`, flags.progress !== false);
          const out = await uploadFile(conn, resolve(io.cwd, source), to, {
            partSize: (flags.partSize ?? 8) * 1024 * 1024,
            contentType: flags.contentType,
            progress: bar,
          });
          bar?.finish();
          return { ...out, from: source, to: `s3://${out.bucket}/${out.key}` };
        }
        const bar = progressFor(io, `download s3://${from!.bucket}/${from!.key}`, flags.progress !== false);
        const out = await downloadFile(conn, from!, resolve(io.cwd, destination), { progress: bar });
        bar?.finish();
        return { ...out, from: source, to: out.file };
      });
      if (flags.json) return printJson(io.stdout, result);
      io.stdout.write(`copied ${result.from} to ${result.to} (${formatBytes(result.size)})\n`);
    }),
  );
  return configureTree(cp, io);
}
