/**
 * `ferry agent`: the device agent. Connects with the device certificate,
 * runs its jobs one at a time, writes only inside --dir. See src/agent/ and
 * README "The device agent".
 */
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { createLogger } from '../log.js';
import { agentOptionsFromKit, startAgent, TRANSPORTS, type AgentOptions, type Transport } from '../agent/agent.js';
import { parseHookFlag, type HookSpec } from '../agent/hooks.js';
import { readKit } from '../agent/kit.js';

interface AgentFlags {
  kit?: string;
  endpoint?: string;
  cert?: string;
  key?: string;
  ca?: string;
  thing?: string;
  clientId?: string;
  dir: string;
  region?: string;
  roleAlias?: string;
  credentialsEndpoint?: string;
  s3Endpoint?: string;
  hook: HookSpec[];
  handlerDir?: string;
  runAsUser?: string[];
  stepTimeout?: number;
  transport?: Transport;
  jobsEndpoint?: string;
  pollInterval?: number;
  logLevel: string;
}

const read = (path: string, what: string): string => {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read the ${what} ${path}: ${(e as Error).message}`);
  }
};

const pollSeconds = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 5) throw new InvalidArgumentError('the poll interval is a number of seconds, at least 5');
  return n;
};

const minutes = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 10080) throw new Error('--step-timeout must be 0 (none) or 1–10080 minutes');
  return n;
};

/** The options for startAgent from the flags: a kit, single flags, or a kit with some flags overriding it. */
export function agentOptionsFromFlags(f: AgentFlags): AgentOptions {
  const overrides: Partial<AgentOptions> & { dir: string } = {
    dir: f.dir,
    ...(f.endpoint ? { mqttEndpoint: f.endpoint } : {}),
    ...(f.cert ? { certPem: read(f.cert, 'certificate') } : {}),
    ...(f.key ? { keyPem: read(f.key, 'private key') } : {}),
    ...(f.ca ? { caPem: read(f.ca, 'root CA') } : {}),
    ...(f.thing ? { thingName: f.thing } : {}),
    ...(f.clientId ? { clientId: f.clientId } : {}),
    ...(f.region ? { region: f.region } : {}),
    ...(f.roleAlias ? { roleAlias: f.roleAlias } : {}),
    ...(f.credentialsEndpoint ? { credentialsEndpoint: f.credentialsEndpoint } : {}),
    ...(f.s3Endpoint ? { s3Endpoint: f.s3Endpoint } : {}),
    ...(f.hook.length ? { hooks: f.hook } : {}),
    ...(f.handlerDir ? { handlerDir: f.handlerDir } : {}),
    ...(f.runAsUser?.length ? { runAsUsers: f.runAsUser } : {}),
    ...(f.stepTimeout !== undefined ? { stepTimeoutMinutes: f.stepTimeout } : {}),
    ...(f.transport ? { transport: f.transport } : {}),
    ...(f.jobsEndpoint ? { jobsEndpoint: f.jobsEndpoint } : {}),
    ...(f.pollInterval !== undefined ? { pollIntervalMs: f.pollInterval * 1000 } : {}),
  };
  if (f.kit) {
    const options = agentOptionsFromKit(readKit(f.kit), overrides);
    // Credentials given on the command line win over the kit's, and over its later changes.
    if (f.cert || f.key || f.ca) delete options.kitDir;
    return options;
  }
  // Without MQTT the endpoint is the Jobs HTTPS one.
  const needed = f.transport === 'https' ? (['jobsEndpoint', 'cert', 'key', 'ca', 'thing'] as const) : (['endpoint', 'cert', 'key', 'ca', 'thing'] as const);
  const missing = needed.filter((k) => !f[k]);
  const flag = (k: string) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  if (missing.length) throw new Error(`give --kit DIR, or all of ${needed.map(flag).join(', ')} (missing: ${missing.map(flag).join(', ')})`);
  return overrides as AgentOptions;
}

export function agentCommand(): Command {
  return new Command('agent')
    .description('Run the device agent: connect with the device certificate, run jobs, write only inside --dir')
    .option('--kit <dir>', 'a connection kit folder (kit.json, certificate, private key, root CA)')
    .option('--endpoint <url>', 'MQTT endpoint, mqtts://host:port or host[:port] (port 8883)')
    .option('--cert <file>', 'device certificate (PEM)')
    .option('--key <file>', 'private key (PEM)')
    .option('--ca <file>', 'root CA (PEM)')
    .option('--thing <name>', 'thing name')
    .option('--client-id <id>', 'MQTT client id (default: the thing name)')
    .requiredOption('--dir <dir>', 'the only folder the agent writes to')
    .option('--region <region>', 'region for uploads (default: the kit, else us-east-1)')
    .option('--role-alias <name>', 'role alias for temporary credentials (uploads)')
    .option('--credentials-endpoint <url>', 'credentials provider, https://host:port')
    .option('--s3-endpoint <url>', 'S3 endpoint for uploads, https://host:port')
    .addOption(
      new Option('--hook <name=path>', 'allow-list a post-download executable a job may name (repeatable)')
        .argParser((v: string, prev: HookSpec[] = []) => [...prev, parseHookFlag(v)])
        .default([], 'none'),
    )
    .option('--handler-dir <dir>', 'allow-list every executable in DIR as a job handler, by file name (AWS IoT Device Client documents)')
    .addOption(
      new Option('--run-as-user <user>', 'allow a job step\'s runAsUser to name USER, passed to the handler as its first argument (repeatable)')
        .argParser((v: string, prev: string[] = []) => [...prev, v])
        .default([], 'none'),
    )
    .addOption(new Option('--step-timeout <minutes>', 'stepTimeoutInMinutes sent while working (0: none)').argParser(minutes))
    .addOption(new Option('--transport <how>', 'mqtt; https (the Jobs HTTPS data plane, polling: no MQTT); auto (MQTT, HTTPS while the broker cannot be reached)').choices([...TRANSPORTS]))
    .option('--jobs-endpoint <url>', 'the Jobs HTTPS data plane, https://host:port (default: the kit\'s iotJobsData)')
    .addOption(new Option('--poll-interval <seconds>', 'seconds between polls over HTTPS (default 60, at least 5)').argParser(pollSeconds))
    .option('--log-level <level>', 'log level', process.env.FERRY_LOG_LEVEL ?? 'info')
    .action(async (flags: AgentFlags) => {
      const logger = createLogger({ level: flags.logLevel });
      const agent = await startAgent({ ...agentOptionsFromFlags(flags), logger });
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          logger.info({ signal }, 'stopping');
          agent.stop().finally(resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
