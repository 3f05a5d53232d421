import { Command } from 'commander';
import { readConfigFile } from '../config/load.js';
import { defaultsAsToml } from '../config/defaults.js';
import { ConfigError } from '../config/validate.js';

/**
 * `ferry config check FILE`: validates a configuration file as `ferry server
 * --config FILE` would, printing each problem with its key and the values it
 * accepts (exit 2), or what the file sets (exit 0).
 * `ferry config defaults`: every setting with its default and meaning, as TOML.
 */
export function configCommand(): Command {
  const config = new Command('config').description('check a configuration file, or print every setting with its default');
  config
    .command('check')
    .argument('<file>', 'a .toml or .json configuration file')
    .description('validate a configuration file (exit 0 when valid, 2 when not)')
    .action((file: string) => {
      try {
        const values = readConfigFile(file);
        process.stdout.write(`${file}: valid (${values.size} setting${values.size === 1 ? '' : 's'})\n`);
        for (const [path, value] of values) process.stdout.write(`  ${path} = ${JSON.stringify(value)}\n`);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        process.stderr.write(`${error.message}\n`);
        process.exitCode = 2;
      }
    });
  config
    .command('defaults')
    .description('print every setting, its default and what it does, as a TOML file to start from')
    .action(() => {
      process.stdout.write(defaultsAsToml());
    });
  return config;
}
