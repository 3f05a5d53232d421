import { Command } from 'commander';
import { serverCommand } from './server-command.js';

const program = new Command('ferry')
  .description('Ferry: deliver files and jobs to IoT fleets over AWS IoT Jobs, S3 and IAM wire protocols')
  .showHelpAfterError()
  .addCommand(serverCommand());

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`ferry: ${(error as Error).message}\n`);
  process.exit(1);
});
