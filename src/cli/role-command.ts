import { Command, InvalidArgumentError } from 'commander';
import { withServer } from './client-config.js';
import { configureTree, withConnection, type ConnectionFlags } from './command.js';
import { processIo, type CliIo } from './io.js';
import { action, printFields, printJson, printTable, when } from './output.js';
import { collect, integer } from './parse.js';
import { createRole, deleteRole, describeRole, listRoles, type Trust } from './ops/roles.js';

interface CreateFlags extends ConnectionFlags {
  trust?: Trust[];
  allowGet: string[];
  allowPut: string[];
  alias?: string;
  duration?: number;
}

/** `ferry role create|describe|list|delete`: IAM roles and role aliases, the story's step 4. */
export function roleCommand(io: CliIo = processIo()): Command {
  const role = new Command('role').description('IAM roles that sign download links (jobs) and hand devices credentials (role aliases)');

  withConnection(
    role
      .command('create')
      .description('create a role trusted by the IoT service, with an IAM policy for S3 access, and optionally a role alias')
      .argument('<name>')
      .option('--trust <service>', 'who may assume it: iot (jobs presigned URLs) or credentials (role aliases); repeatable (default: iot)', trustList)
      .option('--allow-get <bucket>', 'allow s3:GetObject on the bucket\'s objects and s3:ListBucket (repeatable)', collect, [])
      .option('--allow-put <bucket[/prefix]>', 'allow s3:PutObject under the bucket or prefix (repeatable)', collect, [])
      .option('--alias <alias>', 'also create this role alias (the role then trusts credentials.iot.amazonaws.com too)')
      .option('--duration <seconds>', "the role alias's credential lifetime (900 to 43200)", integer(900, 43200)),
  ).action(
    action(io, async (name: string, flags: CreateFlags) => {
      const out = await withServer(flags, io, (conn) =>
        createRole(conn, { name, trust: flags.trust ?? ['iot'], allowGet: flags.allowGet, allowPut: flags.allowPut, alias: flags.alias, durationSeconds: flags.duration }),
      );
      if (flags.json) return printJson(io.stdout, out);
      printFields(io.stdout, [
        ['role', out.roleName],
        ['ARN', out.roleArn],
        ['trusted by', out.trusts.join(', ')],
        ['policy', out.policyArn ?? '(none)'],
        ['role alias', out.roleAliasArn ?? '(none)'],
      ]);
    }),
  );

  withConnection(role.command('describe').description('show a role: its trust policy and policies').argument('<name>')).action(
    action(io, async (name: string, flags: ConnectionFlags) => {
      const r = await withServer(flags, io, (conn) => describeRole(conn, name));
      if (flags.json) return printJson(io.stdout, r);
      printFields(io.stdout, [
        ['role', r.roleName],
        ['ARN', r.roleArn],
        ['created', when(r.created ? new Date(r.created) : undefined)],
        ['max session', `${r.maxSessionDuration} s`],
        ['policies', [...r.attachedPolicies, ...r.inlinePolicies.map((p) => `${p} (inline)`)].join(', ') || '(none)'],
      ]);
      io.stdout.write(`trust policy:\n${JSON.stringify(r.trustPolicy, null, 2)}\n`);
    }),
  );

  withConnection(role.command('list').description('list roles')).action(
    action(io, async (flags: ConnectionFlags) => {
      const roles = await withServer(flags, io, listRoles);
      const rows = roles.map((r) => ({ roleName: r.RoleName, roleArn: r.Arn, created: when(r.CreateDate) }));
      if (flags.json) return printJson(io.stdout, rows);
      printTable(io.stdout, ['NAME', 'ARN', 'CREATED'], rows.map((r) => [r.roleName, r.roleArn, r.created]));
    }),
  );

  withConnection(
    role
      .command('delete')
      .description('delete a role, detaching its policies (the one `role create` made is deleted)')
      .argument('<name>')
      .option('--alias <alias>', 'delete this role alias first'),
  ).action(
    action(io, async (name: string, flags: ConnectionFlags & { alias?: string }) => {
      const out = await withServer(flags, io, (conn) => deleteRole(conn, name, flags.alias));
      if (flags.json) return printJson(io.stdout, out);
      io.stdout.write(`deleted role ${name}${flags.alias ? ` and role alias ${flags.alias}` : ''}\n`);
    }),
  );

  return configureTree(role, io);
}

function trustList(value: string, previous: Trust[] = []): Trust[] {
  if (value !== 'iot' && value !== 'credentials') throw new InvalidArgumentError('expected iot or credentials');
  return [...previous, value];
}
