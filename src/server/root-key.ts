import type { AppContext } from './context.js';
import { writeContractFiles } from './contract-files.js';

/** The bus topic on which the node that rotated the root key tells the others. */
const TOPIC = 'ferry.root-key-rotated';

/** Rewrites this node's aws/credentials (and endpoints.json) with the root key now in the database. */
async function rewriteCredentials(ctx: AppContext): Promise<{ accessKeyId: string }> {
  const key = await ctx.accessKeys.rootKey(ctx.clock.now());
  writeContractFiles(ctx.paths, { region: ctx.region, accountId: ctx.accountId, endpoints: ctx.endpoints, ...key });
  return { accessKeyId: key.accessKeyId };
}

/**
 * `ferry admin rotate-root-key`: a new root key replaces the old one in the
 * database (the old one is refused from the next request on, on every node:
 * keys are read at each request), and every node rewrites its aws/credentials
 * — this one at once, the others when the bus tells them.
 */
export async function rotateRootKey(ctx: AppContext): Promise<{ accessKeyId: string }> {
  await ctx.accessKeys.rotateRootKey(ctx.clock.now());
  const written = await rewriteCredentials(ctx);
  await ctx.cluster.bus.publish(TOPIC, { accessKeyId: written.accessKeyId });
  ctx.logger.info({ accessKeyId: written.accessKeyId }, 'root key rotated');
  return written;
}

/** Other nodes' rotations rewrite this node's files; returns the function that stops listening. */
export function followRootKeyRotations(ctx: AppContext): () => void {
  return ctx.cluster.bus.subscribe(TOPIC, async () => {
    const written = await rewriteCredentials(ctx);
    ctx.logger.info({ accessKeyId: written.accessKeyId }, 'root key rotated by another node: aws/credentials rewritten');
  });
}
