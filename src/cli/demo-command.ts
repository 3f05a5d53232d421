import { Command } from 'commander';
import { resolve } from 'node:path';
import { configureTree } from './command.js';
import { processIo, type CliIo } from './io.js';
import { action } from './output.js';
import { integer } from './parse.js';
import { runDemo } from './demo/run-demo.js';

interface DemoFlags {
  devices: number;
  size: number;
  dataDir?: string;
  keep?: boolean;
  timeout: number;
  interval: number;
  expiresIn: number;
  json?: boolean;
}

/** `ferry demo`: the whole story in one command (exit 0 when every device got the exact bytes). */
export function demoCommand(io: CliIo = processIo()): Command {
  const demo = new Command('demo')
    .description('run the whole story on a temporary server: things, policy, bucket, firmware, role, a job with presigned links, and N device agents')
    .option('--devices <n>', 'how many device agents (1 to 100)', integer(1, 100), 3)
    .option('--size <MiB>', 'firmware size in MiB (1 to 1024)', integer(1, 1024), 8)
    .option('--data-dir <dir>', 'use the running server of this data dir instead of a temporary one')
    .option('--expires-in <seconds>', 'lifetime of each presigned link (60 to 3600)', integer(60, 3600), 300)
    .option('--timeout <seconds>', 'give up when the job has not finished by then', integer(10, 86400), 300)
    .option('--interval <ms>', 'how often the live view polls', integer(50, 60000), 500)
    .option('--keep', 'keep the temporary folder (kits, downloads, logs)')
    .option('--json', 'print the summary as JSON (the story goes to stderr)');
  demo.action(
    action(io, async (flags: DemoFlags) =>
      runDemo(io, {
        devices: flags.devices,
        size: flags.size * 1024 * 1024,
        dataDir: flags.dataDir ? resolve(io.cwd, flags.dataDir) : undefined,
        keep: flags.keep,
        timeoutSec: flags.timeout,
        intervalMs: flags.interval,
        expiresInSec: flags.expiresIn,
        json: flags.json,
      }),
    ),
  );
  return configureTree(demo, io);
}
