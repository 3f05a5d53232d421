import { Command } from 'commander';
import { tolerateClosedPipe } from './io.js';
import { verbsFor } from './verbs.js';
import { ferryVersion } from './version.js';

tolerateClosedPipe(process.stdout);
tolerateClosedPipe(process.stderr);

const program = new Command('ferry')
  .description('Ferry: deliver files and jobs to IoT fleets over AWS IoT Jobs, S3 and IAM wire protocols')
  .version(ferryVersion(), '-V, --version', "print Ferry's version")
  .showHelpAfterError();
for (const verb of await verbsFor(process.argv.slice(2))) program.addCommand(verb);

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`ferry: ${(error as Error).message}\n`);
  process.exit(1);
});
