import { Command, Option } from 'commander';
import { withServer } from './client-config.js';
import { configureTree, withConnection, type ConnectionFlags } from './command.js';
import { readJsonFile } from './files.js';
import { processIo, UsageError, type CliIo } from './io.js';
import { action, printFields, printJson, printTable } from './output.js';
import { collect } from './parse.js';
import {
  ACTION_TYPES,
  attachPolicy,
  createPolicy,
  deletePolicy,
  devicePolicy,
  getPolicy,
  listPolicies,
  testAuthorization,
  type ActionType,
  type PolicyTarget,
} from './ops/policies.js';

interface CreateFlags extends ConnectionFlags {
  document?: string;
  device?: boolean;
  roleAlias?: string;
  clientPrefix?: string;
}

const targetOptions = (cmd: Command) =>
  cmd
    .option('--thing <name>', "the thing's certificates")
    .option('--cert <id|arn>', 'a certificate')
    .option('--group <name>', 'a thing group (its things inherit the policy)');

/** `ferry policy create|attach|detach|test|list|get|delete`: IoT policies, the story's step 2. */
export function policyCommand(io: CliIo = processIo()): Command {
  const policy = new Command('policy').description('IoT policies: what a device may do; test explains why it may or may not');

  withConnection(
    policy
      .command('create')
      .description('create an IoT policy from a JSON file, or the story\'s device policy with --device')
      .argument('<name>')
      .option('--document <file>', 'the policy document (JSON)')
      .option('--device', 'the device policy: connect as its thing, use its own Jobs topics')
      .option('--role-alias <alias>', 'with --device: also allow iot:AssumeRoleWithCertificate on this role alias')
      .option('--client-prefix <prefix>', 'with --device: allow client ids starting with this (default: exactly the thing name)'),
  ).action(
    action(io, async (name: string, flags: CreateFlags) => {
      if (Boolean(flags.document) === Boolean(flags.device)) throw new UsageError('give either --document FILE or --device');
      const document = flags.document ? readJsonFile(io, flags.document) : undefined;
      const out = await withServer(flags, io, async (conn) =>
        createPolicy(conn, name, document ?? devicePolicy(conn.region, await conn.accountId(), flags)),
      );
      if (flags.json) return printJson(io.stdout, out);
      printFields(io.stdout, [
        ['policy', out.policyName],
        ['ARN', out.policyArn],
        ['version', out.policyVersionId],
      ]);
    }),
  );

  for (const verb of ['attach', 'detach'] as const) {
    withConnection(
      targetOptions(
        policy
          .command(verb)
          .description(verb === 'attach' ? 'attach a policy to a certificate, a thing\'s certificates or a thing group' : 'detach a policy')
          .argument('<name>'),
      ),
    ).action(
      action(io, async (name: string, flags: ConnectionFlags & PolicyTarget) => {
        const out = await withServer(flags, io, (conn) => attachPolicy(conn, name, flags, verb === 'detach'));
        if (flags.json) return printJson(io.stdout, out);
        for (const t of out.targets) io.stdout.write(`${verb === 'attach' ? 'attached' : 'detached'} ${name} ${verb === 'attach' ? 'to' : 'from'} ${t}\n`);
      }),
    );
  }

  withConnection(
    policy
      .command('test')
      .description('TestAuthorization: may this certificate (with this client id) do this? and which policy decides')
      .option('--thing <name>', "test the thing's certificate; the client id defaults to the thing name")
      .option('--cert <id|arn>', 'test this certificate')
      .option('--client-id <id>', 'the MQTT client id the device would connect with')
      .addOption(new Option('--action <action>', 'what the device does').choices(ACTION_TYPES).makeOptionMandatory())
      .option('--resource <topic|client|arn>', 'topic (publish, receive), topic filter (subscribe) or client id (connect); repeatable', collect, []),
  ).action(
    action(io, async (flags: ConnectionFlags & { thing?: string; cert?: string; clientId?: string; action: ActionType; resource: string[] }) => {
      const out = await withServer(flags, io, (conn) =>
        testAuthorization(conn, { target: { thing: flags.thing, cert: flags.cert }, clientId: flags.clientId, action: flags.action, resources: flags.resource }),
      );
      if (flags.json) return printJson(io.stdout, out);
      io.stdout.write(`${out.principal}${out.clientId ? ` as client ${out.clientId}` : ''}, ${out.action}:\n`);
      for (const r of out.results) io.stdout.write(`  ${r.decision.padEnd(13)} ${r.resource}\n                ${r.why}\n`);
    }),
  );

  withConnection(policy.command('list').description('list IoT policies')).action(
    action(io, async (flags: ConnectionFlags) => {
      const policies = await withServer(flags, io, listPolicies);
      if (flags.json) return printJson(io.stdout, policies);
      printTable(io.stdout, ['NAME', 'ARN'], policies.map((p) => [p.policyName, p.policyArn]));
    }),
  );

  withConnection(policy.command('get').description('show a policy and its document').argument('<name>')).action(
    action(io, async (name: string, flags: ConnectionFlags) => {
      const p = await withServer(flags, io, (conn) => getPolicy(conn, name));
      if (flags.json) return printJson(io.stdout, p);
      printFields(io.stdout, [
        ['policy', p.policyName],
        ['ARN', p.policyArn],
        ['default version', p.defaultVersionId],
      ]);
      io.stdout.write(`${pretty(p.policyDocument)}\n`);
    }),
  );

  withConnection(policy.command('delete').description('delete a policy (detach it first)').argument('<name>')).action(
    action(io, async (name: string, flags: ConnectionFlags) => {
      const out = await withServer(flags, io, (conn) => deletePolicy(conn, name));
      if (flags.json) return printJson(io.stdout, out);
      io.stdout.write(`deleted policy ${name}\n`);
    }),
  );

  return configureTree(policy, io);
}

function pretty(document: string | undefined): string {
  try {
    return JSON.stringify(JSON.parse(document ?? ''), null, 2);
  } catch {
    return document ?? '';
  }
}
