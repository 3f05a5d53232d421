/**
 * One Ferry node in a child process, for the cluster tests that kill a node
 * with SIGKILL. Options come as JSON in argv[2]. Its clock is adjustable
 * through the IPC channel — `{ advance: ms }`, answered `{ advanced: ms }` —
 * which only this test entry point opens: `ferry server` has no such control.
 * Once ready it sends `{ ready: true, dataDir, nodeId, nodeName }`.
 */
import { AdjustableClock } from '../../src/clock.js';
import { startServer } from '../../src/server/server.js';
import { testLogger } from '../helpers/server.js';

const { options, pgSchema } = JSON.parse(process.argv[2]!) as { options: Record<string, unknown>; pgSchema?: string };
const clock = new AdjustableClock();
const server = await startServer(options, { clock, logger: testLogger(), ...(pgSchema ? { pgSchema } : {}) });
process.on('message', (message: { advance?: number; beat?: boolean }) => {
  if (message.advance !== undefined) {
    clock.advance(message.advance);
    process.send?.({ advanced: message.advance });
  }
});
process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));
process.send?.({ ready: true, dataDir: server.ctx.paths.root, nodeId: server.ctx.cluster.nodeId, nodeName: server.ctx.cluster.nodeName });
