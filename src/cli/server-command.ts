import { Command, InvalidArgumentError } from 'commander';
import { startServer } from '../server/server.js';
import { DEFAULT_OPTIONS } from '../server/config.js';

function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new InvalidArgumentError('a port is an integer from 0 (any free port) to 65535');
  return n;
}

function onOff(value: string): boolean {
  if (value !== 'on' && value !== 'off') throw new InvalidArgumentError("'on' or 'off'");
  return value === 'on';
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** `ferry server`: the flags of DESIGN.md's server contract. SIGTERM/SIGINT stop it cleanly with exit 0. */
export function serverCommand(): Command {
  return new Command('server')
    .description('run the Ferry server (api, device, s3 and mqtt listeners)')
    .option('--data-dir <dir>', 'data directory', DEFAULT_OPTIONS.dataDir)
    .option('--host <addr>', 'address to listen on', DEFAULT_OPTIONS.host)
    .option('--public-host <name>', 'host name clients use (repeatable; the first is advertised)', collect, [])
    .option('--api-port <n>', 'IoT control plane, IAM, STS (HTTPS)', port, DEFAULT_OPTIONS.apiPort)
    .option('--device-port <n>', 'Jobs data plane and credentials provider (HTTPS, client certificates)', port, DEFAULT_OPTIONS.devicePort)
    .option('--s3-port <n>', 'S3 (HTTPS)', port, DEFAULT_OPTIONS.s3Port)
    .option('--mqtt-port <n>', 'MQTT over TLS (client certificates)', port, DEFAULT_OPTIONS.mqttPort)
    .option('--region <r>', 'AWS region to speak as', DEFAULT_OPTIONS.region)
    .option('--database-url <url>', 'postgres://… (default: SQLite in the data dir)')
    .option('--sigv2 <on|off>', 'accept S3 Signature Version 2 (AWSAccessKeyId/Signature/Expires URLs, Authorization: AWS)', onOff, DEFAULT_OPTIONS.sigv2)
    .action(async (opts) => {
      const server = await startServer(opts);
      const stop = (signal: string) => {
        server.ctx.logger.info({ signal }, 'stopping');
        server.close().then(
          () => process.exit(0),
          (error: unknown) => {
            server.ctx.logger.error({ err: error }, 'stop failed');
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
}
