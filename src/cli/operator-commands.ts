import type { Command } from 'commander';
import type { CliIo } from './io.js';
import { thingCommand } from './thing-command.js';
import { thingGroupCommand } from './thing-group-command.js';
import { policyCommand } from './policy-command.js';
import { bucketCommand } from './bucket-command.js';
import { cpCommand } from './cp-command.js';
import { roleCommand } from './role-command.js';
import { jobCommand } from './job-command.js';
import { jobTemplateCommand } from './job-template-command.js';
import { demoCommand } from './demo-command.js';
import { clusterCommand } from './cluster-command.js';
import { auditCommand } from './audit-command.js';
import { userCommand } from './user-command.js';
import { groupCommand } from './group-command.js';
import { adminCommand } from './admin-command.js';

/** Every operator verb, for runCli (main.ts adds them one by one). */
export function operatorCommands(io: CliIo): Command[] {
  return [thingCommand(io), thingGroupCommand(io), policyCommand(io), bucketCommand(io), cpCommand(io), roleCommand(io), jobCommand(io), jobTemplateCommand(io), demoCommand(io), clusterCommand(io), userCommand(io), groupCommand(io), adminCommand(io), auditCommand(io)];
}
