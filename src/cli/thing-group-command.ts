import { Command } from 'commander';
import { withServer } from './client-config.js';
import { configureTree, withConnection, type ConnectionFlags } from './command.js';
import { processIo, type CliIo } from './io.js';
import { action, printFields, printJson, printTable, when } from './output.js';
import { collectPairs } from './parse.js';
import { changeMembers, createThingGroup, groupMembers, deleteThingGroup, describeThingGroup, listThingGroups } from './ops/thing-groups.js';

interface CreateFlags extends ConnectionFlags {
  query?: string;
  parent?: string;
  description?: string;
  attribute?: Record<string, string>;
}

/**
 * `ferry thing-group create|add|remove|list|describe|members|delete`: static
 * thing groups and dynamic ones (a fleet-indexing query), named as the AWS CLI names them (`group` is IAM's word). A job
 * targets one as `thing-group:NAME`.
 */
export function thingGroupCommand(io: CliIo = processIo()): Command {
  const group = new Command('thing-group').description('thing groups, static or dynamic (--query): create, add and remove things, list, describe, members, delete (a job targets one as thing-group:NAME)');

  withConnection(
    group
      .command('create')
      .description('create a thing group; with --query, a dynamic group whose members are the things the query matches')
      .argument('<name>')
      .option('--query <query>', 'fleet-indexing query (e.g. "attributes.ring:beta AND connectivity.connected:true")')
      .option('--parent <group>', 'make it a child of this group (static groups only)')
      .option('--description <text>', 'the group description')
      .option('--attribute <key=value>', 'group attribute (repeatable)', collectPairs),
  ).action(
    action(io, async (name: string, flags: CreateFlags) => {
      const out = await withServer(flags, io, (conn) => createThingGroup(conn, { name, query: flags.query, parent: flags.parent, description: flags.description, attributes: flags.attribute }));
      if (flags.json) return printJson(io.stdout, out);
      io.stdout.write(`created ${flags.query === undefined ? '' : 'dynamic '}thing group ${out.thingGroupName} (${out.thingGroupArn})\n`);
    }),
  );

  for (const change of ['add', 'remove'] as const) {
    withConnection(
      group
        .command(change)
        .description(change === 'add' ? 'add things to a group (AddThingToThingGroup)' : 'remove things from a group (RemoveThingFromThingGroup)')
        .argument('<group>')
        .argument('<things...>'),
    ).action(
      action(io, async (name: string, things: string[], flags: ConnectionFlags) => {
        const out = await withServer(flags, io, (conn) => changeMembers(conn, name, things, change));
        if (flags.json) return printJson(io.stdout, out);
        io.stdout.write(`${change === 'add' ? 'added' : 'removed'} ${things.join(', ')} ${change === 'add' ? 'to' : 'from'} thing group ${name}\n`);
      }),
    );
  }

  withConnection(
    group
      .command('list')
      .description('list thing groups')
      .option('--parent <group>', 'only the children of this group')
      .option('--recursive', 'with --parent: all its descendants'),
  ).action(
    action(io, async (flags: ConnectionFlags & { parent?: string; recursive?: boolean }) => {
      const groups = await withServer(flags, io, (conn) => listThingGroups(conn, { parent: flags.parent, recursive: flags.recursive }));
      if (flags.json) return printJson(io.stdout, groups);
      printTable(io.stdout, ['NAME', 'ARN'], groups.map((g) => [g.groupName, g.groupArn]));
    }),
  );

  withConnection(group.command('describe').description('show a thing group and its things').argument('<name>')).action(
    action(io, async (name: string, flags: ConnectionFlags) => {
      const g = await withServer(flags, io, (conn) => describeThingGroup(conn, name));
      if (flags.json) return printJson(io.stdout, g);
      const attributes = Object.entries(g.thingGroupProperties?.attributePayload?.attributes ?? {});
      printFields(io.stdout, [
        ['thing group', g.thingGroupName],
        ['ARN', g.thingGroupArn],
        ['description', g.thingGroupProperties?.thingGroupDescription],
        ['attributes', attributes.map(([k, v]) => `${k}=${v}`).join(',')],
        ['parent', g.thingGroupMetadata?.parentGroupName],
        ['created', when(g.thingGroupMetadata?.creationDate)],
        ['things', g.things.join(', ') || '(none)'],
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

  withConnection(group.command('delete').description('delete a thing group (its things stay)').argument('<name>')).action(
    action(io, async (name: string, flags: ConnectionFlags) => {
      const out = await withServer(flags, io, (conn) => deleteThingGroup(conn, name));
      if (flags.json) return printJson(io.stdout, out);
      io.stdout.write(`deleted thing group ${name}\n`);
    }),
  );

  return configureTree(group, io);
}
