import { join } from 'node:path';
import { createLogger } from '../../log.js';
import { startServer, type RunningServer } from '../../server/server.js';

/**
 * A server of the demo's own, in this process: a temporary data dir, every
 * port chosen by the system, listening on 127.0.0.1 only; its log goes to a
 * file beside it so the terminal shows the story.
 */
export async function startDemoServer(root: string): Promise<{ server: RunningServer; dataDir: string; logFile: string }> {
  const dataDir = join(root, 'server');
  const logFile = join(root, 'server.log');
  const server = await startServer(
    { dataDir, host: '127.0.0.1', apiPort: 0, devicePort: 0, s3Port: 0, mqttPort: 0 },
    { logger: createLogger({ level: process.env.FERRY_LOG_LEVEL ?? 'info', destination: logFile }) },
  );
  return { server, dataDir, logFile };
}
