import { Command } from 'commander';
import { withServer } from './client-config.js';
import { configureTree, withConnection, type ConnectionFlags } from './command.js';
import { readJsonFile } from './files.js';
import { processIo, UsageError, type CliIo } from './io.js';
import { action, printFields, printJson, printTable, when } from './output.js';
import { collect } from './parse.js';
import { createUser, deleteUser, describeUser, listUsers, writeProfile } from './ops/users.js';

interface CreateFlags extends ConnectionFlags {
  group: string[];
  policy?: string;
  managed?: string;
  accessKey?: boolean;
  password?: boolean;
  writeProfile?: string;
}

/** `ferry user create|list|describe|delete`: IAM users, the operators of the account (issue 20). */
export function userCommand(io: CliIo = processIo()): Command {
  const user = new Command('user').description('IAM users: operators with their own keys, password and least-privilege policies');

  withConnection(
    user
      .command('create')
      .description('create a user, add it to groups, give it a policy, and optionally an access key and a password (each shown once)')
      .argument('<name>')
      .option('--group <group>', 'add the user to this IAM group (repeatable)', collect, [])
      .option('--policy <file>', "an IAM policy document (JSON) to put as the user's inline policy")
      .option('--managed <name>', 'attach a managed policy: an AWS-managed name such as AWSIoTConfigReadOnlyAccess, a policy of the account, or an ARN')
      .option('--access-key', 'create an access key (its secret is shown once)')
      .option('--password', 'create a console password (shown once; it must be changed at first sign-in)')
      .option('--write-profile <profile>', 'write the new key as this AWS profile (AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE, else ~/.aws)'),
  ).action(
    action(io, async (name: string, flags: CreateFlags) => {
      if (flags.policy && flags.managed) throw new UsageError('give --policy FILE or --managed NAME, not both');
      if (flags.writeProfile && !flags.accessKey) throw new UsageError('--write-profile needs --access-key');
      const policyDocument = flags.policy ? readJsonFile(io, flags.policy) : undefined;
      const result = await withServer(flags, io, async (conn) => {
        const out = await createUser(conn, { name, groups: flags.group, policyDocument, managed: flags.managed, accessKey: flags.accessKey ?? false, password: flags.password ?? false });
        const profile = flags.writeProfile && out.accessKey ? writeProfile(conn, flags.writeProfile, out.accessKey, io.env) : undefined;
        return { ...out, ...(profile ? { profile: { name: flags.writeProfile, ...profile } } : {}) };
      });
      if (flags.json) return printJson(io.stdout, result);
      printFields(io.stdout, [
        ['user', result.userName],
        ['ARN', result.userArn],
        ['groups', result.groups.join(', ') || '(none)'],
        ['policies', result.policies.join(', ') || '(none)'],
        ['access key', result.accessKey?.accessKeyId ?? '(none)'],
        ['secret access key', result.accessKey ? `${result.accessKey.secretAccessKey}   (shown once: keep it now)` : undefined],
        ['password', result.password ? `${result.password}   (shown once; to be changed at first sign-in)` : undefined],
        ['AWS profile', result.profile ? `${result.profile.name} (${result.profile.credentialsFile}, ${result.profile.configFile})` : undefined],
      ]);
    }),
  );

  withConnection(user.command('list').description('list users')).action(
    action(io, async (flags: ConnectionFlags) => {
      const users = await withServer(flags, io, listUsers);
      const rows = users.map((u) => ({ userName: u.UserName, userArn: u.Arn, created: when(u.CreateDate) }));
      if (flags.json) return printJson(io.stdout, rows);
      printTable(io.stdout, ['NAME', 'ARN', 'CREATED'], rows.map((r) => [r.userName, r.userArn, r.created]));
    }),
  );

  withConnection(user.command('describe').description("show a user: groups, policies, access keys (never their secrets)").argument('<name>')).action(
    action(io, async (name: string, flags: ConnectionFlags) => {
      const d = await withServer(flags, io, (conn) => describeUser(conn, name));
      if (flags.json) return printJson(io.stdout, d);
      printFields(io.stdout, [
        ['user', d.userName],
        ['ARN', d.userArn],
        ['id', d.userId],
        ['created', when(d.created)],
        ['groups', d.groups.join(', ') || '(none)'],
        ['policies', [...d.attachedPolicies, ...d.inlinePolicies.map((p) => `${p} (inline)`)].join(', ') || '(none)'],
        ['access keys', d.accessKeys.map((k) => `${k.accessKeyId} (${k.status})`).join(', ') || '(none)'],
        ['password', d.loginProfile ? 'yes' : 'no'],
      ]);
    }),
  );

  withConnection(user.command('delete').description('delete a user with its keys, password, policies and group memberships').argument('<name>')).action(
    action(io, async (name: string, flags: ConnectionFlags) => {
      const out = await withServer(flags, io, (conn) => deleteUser(conn, name));
      if (flags.json) return printJson(io.stdout, out);
      io.stdout.write(`deleted user ${out.userName}${out.removed.length ? ` (and ${out.removed.join(', ')})` : ''}\n`);
    }),
  );
  return configureTree(user, io);
}
