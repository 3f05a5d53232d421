import { Command } from 'commander';
import type { RotateRootKeyResponse } from '../api/ferry/root-key.js';
import { withServer } from './client-config.js';
import { configureTree, withConnection, type ConnectionFlags } from './command.js';
import { ferryRequest } from './ferry-api.js';
import { processIo, type CliIo } from './io.js';
import { action, printJson } from './output.js';

/** `ferry admin rotate-root-key`: the server's own administration. */
export function adminCommand(io: CliIo = processIo()): Command {
  const admin = new Command('admin').description("the server's own administration");
  withConnection(
    admin.command('rotate-root-key').description("replace the root access key: the old one is refused at once; every node rewrites its aws/credentials with the new one"),
  ).action(
    action(io, async (flags: ConnectionFlags) => {
      const out = await withServer(flags, io, (conn) => ferryRequest<RotateRootKeyResponse>(conn, 'POST', '/ferry/admin/rotate-root-key', {}));
      if (flags.json) return printJson(io.stdout, out);
      io.stdout.write(`the root key is now ${out.accessKeyId}: its secret is in each node's aws/credentials (profile ferry); the old key no longer works\n`);
    }),
  );
  return configureTree(admin, io);
}
