import { Command } from 'commander';
import { withServer } from './client-config.js';
import { configureTree, withConnection, type ConnectionFlags } from './command.js';
import { processIo, type CliIo } from './io.js';
import { action, printJson, printTable, when } from './output.js';
import { addToGroup, createGroup, deleteGroup, groupMembers, listGroups, removeFromGroup } from './ops/users.js';

/** `ferry group create|add|remove|list|delete`: IAM groups of users (thing groups are `ferry thing-group`). */
export function groupCommand(io: CliIo = processIo()): Command {
  const group = new Command('group').description('IAM groups: users sharing policies (thing groups are `ferry thing-group`)');

  withConnection(group.command('create').description('create a group').argument('<name>')).action(
    action(io, async (name: string, flags: ConnectionFlags) => {
      const g = await withServer(flags, io, (conn) => createGroup(conn, name));
      if (flags.json) return printJson(io.stdout, { groupName: g.GroupName, groupArn: g.Arn });
      io.stdout.write(`created group ${g.GroupName} (${g.Arn})\n`);
    }),
  );
  withConnection(group.command('add').description('add users to a group').argument('<group>').argument('<users...>')).action(
    action(io, async (name: string, users: string[], flags: ConnectionFlags) => {
      await withServer(flags, io, async (conn) => {
        for (const u of users) await addToGroup(conn, name, u);
      });
      if (flags.json) return printJson(io.stdout, { groupName: name, added: users });
      io.stdout.write(`added ${users.join(', ')} to ${name}\n`);
    }),
  );
  withConnection(group.command('remove').description('remove users from a group').argument('<group>').argument('<users...>')).action(
    action(io, async (name: string, users: string[], flags: ConnectionFlags) => {
      await withServer(flags, io, async (conn) => {
        for (const u of users) await removeFromGroup(conn, name, u);
      });
      if (flags.json) return printJson(io.stdout, { groupName: name, removed: users });
      io.stdout.write(`removed ${users.join(', ')} from ${name}\n`);
    }),
  );
  withConnection(group.command('list').description('list groups and their members')).action(
    action(io, async (flags: ConnectionFlags) => {
      const rows = await withServer(flags, io, async (conn) =>
        Promise.all((await listGroups(conn)).map(async (g) => ({ groupName: g.GroupName!, groupArn: g.Arn!, created: when(g.CreateDate), members: await groupMembers(conn, g.GroupName!) }))),
      );
      if (flags.json) return printJson(io.stdout, rows);
      printTable(io.stdout, ['NAME', 'MEMBERS', 'ARN', 'CREATED'], rows.map((r) => [r.groupName, r.members.join(',') || '-', r.groupArn, r.created]));
    }),
  );
  withConnection(group.command('delete').description('delete a group, removing its members and policies first').argument('<name>')).action(
    action(io, async (name: string, flags: ConnectionFlags) => {
      await withServer(flags, io, (conn) => deleteGroup(conn, name));
      if (flags.json) return printJson(io.stdout, { groupName: name, deleted: true });
      io.stdout.write(`deleted group ${name}\n`);
    }),
  );
  return configureTree(group, io);
}
