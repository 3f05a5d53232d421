import { Command } from 'commander';
import { serverCommand } from './server-command.js';
import { thingCommand } from './thing-command.js';
import { thingGroupCommand } from './thing-group-command.js';
import { policyCommand } from './policy-command.js';
import { bucketCommand } from './bucket-command.js';
import { cpCommand } from './cp-command.js';
import { roleCommand } from './role-command.js';
import { jobCommand } from './job-command.js';
import { demoCommand } from './demo-command.js';
import { agentCommand } from './agent-command.js';
import { configCommand } from './config-command.js';
import { clusterCommand } from './cluster-command.js';

const program = new Command('ferry')
  .description('Ferry: deliver files and jobs to IoT fleets over AWS IoT Jobs, S3 and IAM wire protocols')
  .showHelpAfterError()
  .addCommand(serverCommand());
program.addCommand(thingCommand()).addCommand(thingGroupCommand()).addCommand(policyCommand()).addCommand(bucketCommand()).addCommand(cpCommand());
program.addCommand(roleCommand()).addCommand(jobCommand()).addCommand(demoCommand());
program.addCommand(agentCommand());
program.addCommand(configCommand());
program.addCommand(clusterCommand());

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`ferry: ${(error as Error).message}\n`);
  process.exit(1);
});
