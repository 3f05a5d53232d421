import { Command } from 'commander';
import { withServer } from './client-config.js';
import { withConnection, type ConnectionFlags } from './command.js';
import { processIo, type CliIo } from './io.js';
import { action, printFields, printJson, printTable } from './output.js';
import { createThingGroup, groupMembers } from './ops/fleet.js';

interface CreateFlags extends ConnectionFlags {
  query?: string;
  parent?: string;
  description?: string;
}

/** `ferry thing-group create|members`: static groups, and dynamic ones defined by a fleet-indexing query. */
export function thingGroupCommand(io: CliIo = processIo()): Command {
  const group = new Command('thing-group').description('thing groups: static, or dynamic (members follow a fleet-indexing query)');

  withConnection(
    group
      .command('create')
      .description('create a thing group; with --query, a dynamic group whose members are the things the query matches')
      .argument('<name>')
      .option('--query <query>', 'fleet-indexing query (e.g. "attributes.ring:beta AND connectivity.connected:true")')
      .option('--parent <group>', 'parent group (static groups only)')
      .option('--description <text>', 'group description'),
  ).action(
    action(io, async (name: string, flags: CreateFlags) => {
      const out = await withServer(flags, io, (conn) => createThingGroup(conn, { name, query: flags.query, parent: flags.parent, description: flags.description }));
      if (flags.json) return printJson(io.stdout, out);
      printFields(io.stdout, [
        ['group', out.thingGroupName],
        ['ARN', out.thingGroupArn],
        ['query', out.queryString ?? '(static)'],
      ]);
    }),
  );

  withConnection(group.command('members').description("list a group's things (with --recursive, its child groups' too)").argument('<name>').option('--recursive', 'include child groups')).action(
    action(io, async (name: string, flags: ConnectionFlags & { recursive?: boolean }) => {
      const things = await withServer(flags, io, (conn) => groupMembers(conn, name, flags.recursive ?? false));
      if (flags.json) return printJson(io.stdout, things);
      printTable(io.stdout, ['THING'], things.map((t) => [t]));
    }),
  );

  return group;
}
