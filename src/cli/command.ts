import { Command, type CommanderError } from 'commander';
import { EXIT, type CliIo } from './io.js';

/** The options every verb that talks to a server has. */
export interface ConnectionFlags {
  dataDir?: string;
  profile?: string;
  json?: boolean;
}

/** Adds `--data-dir`, `--profile` and `--json` to a verb. */
export function withConnection(cmd: Command): Command {
  return cmd
    .option('--data-dir <dir>', "a Ferry data dir whose endpoints.json names the server (default ./ferry-data, unless AWS_PROFILE or AWS_CONFIG_FILE is set)")
    .option('--profile <name>', 'use this AWS profile (from AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE) instead of endpoints.json')
    .option('--json', 'print the result as JSON for scripts');
}

/**
 * Sends a command tree's help and errors to the run's streams, and turns
 * commander's exits into the CLI's codes: help → 0, any usage error → 2.
 * Applied to every command below `root`, since commands added with
 * addCommand do not inherit these settings.
 */
export function configureTree(root: Command, io: CliIo): Command {
  const visit = (cmd: Command) => {
    cmd
      .configureOutput({
        writeOut: (s) => io.stdout.write(s),
        writeErr: (s) => io.stderr.write(s),
        outputError: (s, write) => write(s),
      })
      .showHelpAfterError(`(run \`${path(cmd)} --help\` for usage)`)
      .exitOverride((err: CommanderError) => io.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage));
    for (const sub of cmd.commands) visit(sub);
  };
  visit(root);
  return root;
}

function path(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  if (names[0] !== 'ferry') names.unshift('ferry');
  return names.join(' ');
}
