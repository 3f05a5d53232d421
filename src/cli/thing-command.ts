import { Command } from 'commander';
import { withServer } from './client-config.js';
import { configureTree, withConnection, type ConnectionFlags } from './command.js';
import { processIo, UsageError, type CliIo } from './io.js';
import { action, printFields, printJson, printTable } from './output.js';
import { collectPairs, durationSeconds } from './parse.js';
import { createThing, deleteThing, describeThing, listThings } from './ops/things.js';
import { historyLine, readHistory } from './ops/history.js';
import { searchThings } from './ops/fleet.js';

/** How many of a thing's latest events `ferry thing describe` shows. */
const RECENT_EVENTS = 20;

interface CreateFlags extends ConnectionFlags {
  kit?: string;
  policy?: string;
  roleAlias?: string;
  attribute?: Record<string, string>;
  rotate?: boolean;
  grace?: number;
}

/** `ferry thing create|list|describe|delete`: the story's first step. */
export function thingCommand(io: CliIo = processIo()): Command {
  const thing = new Command('thing').description('things (devices): create one with its certificate and connection kit, list, describe, delete');

  withConnection(
    thing
      .command('create')
      .description('create a thing, an active certificate with its keys, attach them, and write the connection kit')
      .argument('<name>', 'thing name (also the MQTT client id the kit uses)')
      .option('--kit <dir>', 'write the connection kit here (default ./NAME-kit)')
      .option('--policy <name>', 'attach this IoT policy to the certificate')
      .option('--role-alias <alias>', 'role alias the device uses with the credentials provider (written into the kit)')
      .option('--attribute <key=value>', 'thing attribute (repeatable)', collectPairs)
      .option('--rotate', 'the thing has a certificate or DIR a kit: issue a new certificate and rewrite the kit; the server retires the old certificate once the new one connects')
      .option('--grace <duration>', 'with --rotate: the old certificate stays ACTIVE at most this long if the new one never connects (e.g. 12h, 7d; default 7d)', durationSeconds),
  ).action(
    action(io, async (name: string, flags: CreateFlags) => {
      if (flags.grace !== undefined && !flags.rotate) throw new UsageError('--grace goes with --rotate');
      const created = await withServer(flags, io, (conn) =>
        createThing(conn, {
          name,
          attributes: flags.attribute,
          policy: flags.policy,
          roleAlias: flags.roleAlias,
          kitDir: flags.kit ?? `${name}-kit`,
          rotate: flags.rotate,
          graceSeconds: flags.grace,
        }),
      );
      const { certificatePem: _c, privateKeyPem: _k, publicKeyPem: _p, ...result } = created;
      if (flags.json) return printJson(io.stdout, result);
      printFields(io.stdout, [
        ['thing', result.thingName],
        ['thing ARN', result.thingArn],
        ['certificate', result.certificateId],
        ['policy', result.policy ?? '(none: attach one with `ferry policy attach`)'],
        ['connection kit', result.kitDir],
        ...(result.retiring ? retiringFields(result.retiring) : []),
      ]);
      if (result.retiring?.length) {
        io.stdout.write(`Deliver the new kit to the device: the server retires the old certificate when the new one first connects.\n`);
      } else {
        io.stdout.write(`Start the device with: ${result.kitDir}/start.sh\n`);
      }
    }),
  );

  withConnection(thing.command('search').description('the things a fleet-indexing query matches (SearchIndex)').argument('<query>', 'e.g. "thingName:cam* AND attributes.site:berlin"')).action(
    action(io, async (query: string, flags: ConnectionFlags) => {
      const things = await withServer(flags, io, (conn) => searchThings(conn, query));
      if (flags.json) return printJson(io.stdout, things);
      printTable(
        io.stdout,
        ['NAME', 'TYPE', 'CONNECTED', 'GROUPS', 'ATTRIBUTES'],
        things.map((t) => [t.thingName, t.thingTypeName, t.connectivity?.connected ? 'yes' : 'no', (t.thingGroupNames ?? []).join(',') || undefined, attributes(t.attributes)]),
      );
    }),
  );

  withConnection(thing.command('list').description('list things')).action(
    action(io, async (flags: ConnectionFlags) => {
      const things = await withServer(flags, io, listThings);
      if (flags.json) return printJson(io.stdout, things);
      printTable(
        io.stdout,
        ['NAME', 'TYPE', 'VERSION', 'ATTRIBUTES'],
        things.map((t) => [t.thingName, t.thingTypeName, t.version, attributes(t.attributes)]),
      );
    }),
  );

  withConnection(thing.command('describe').description("show a thing, its attributes, its certificates and its recent events (connections, job executions, links)").argument('<name>')).action(
    action(io, async (name: string, flags: ConnectionFlags) => {
      const t = await withServer(flags, io, async (conn) => ({ ...(await describeThing(conn, name)), history: (await readHistory(conn, { thingName: name }, { latest: true, limit: RECENT_EVENTS })).events }));
      if (flags.json) return printJson(io.stdout, t);
      printFields(io.stdout, [
        ['thing', t.thingName],
        ['thing ARN', t.thingArn],
        ['type', t.thingTypeName],
        ['version', t.version],
        ['attributes', attributes(t.attributes)],
        ['principals', t.principals.join(', ') || '(none)'],
        ...retiringFields(t.retiring),
      ]);
      // The thing's recent history: its connections and its executions' timeline (oldest first).
      io.stdout.write(t.history.length === 0 ? 'recent events: (none)\n' : `recent events:\n${t.history.map((e) => `  ${historyLine(e, 'thing')}\n`).join('')}`);
    }),
  );

  withConnection(
    thing
      .command('delete')
      .description('delete a thing; certificates no other thing uses are deactivated and deleted too')
      .argument('<name>')
      .option('--keep-certificates', 'only detach the certificates'),
  ).action(
    action(io, async (name: string, flags: ConnectionFlags & { keepCertificates?: boolean }) => {
      const result = await withServer(flags, io, (conn) => deleteThing(conn, name, flags.keepCertificates));
      if (flags.json) return printJson(io.stdout, result);
      io.stdout.write(`deleted thing ${name}${result.deletedCertificates.length ? ` and certificate(s) ${result.deletedCertificates.join(', ')}` : ''}\n`);
    }),
  );

  return configureTree(thing, io);
}

/** The old certificates a rotation retires, and by when at the latest. */
const retiringFields = (retiring: Array<{ certificateId: string; retireAt: number }>): Array<[string, string]> =>
  retiring.map((r) => ['retiring', `${r.certificateId} (ACTIVE until the new certificate connects, at most until ${new Date(r.retireAt * 1000).toISOString()})`]);

const attributes = (a: Record<string, string> | undefined) =>
  a && Object.keys(a).length ? Object.entries(a).map(([k, v]) => `${k}=${v}`).join(',') : '';
