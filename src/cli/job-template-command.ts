import { Command } from 'commander';
import { withServer } from './client-config.js';
import { configureTree, withConnection, type ConnectionFlags } from './command.js';
import { UsageError, processIo, type CliIo } from './io.js';
import { documentOf } from './job-command.js';
import { action, printFields, printJson, printTable, when } from './output.js';
import { integer } from './parse.js';
import { createJobTemplate, deleteJobTemplate, describeJobTemplate, describeManagedJobTemplate, listJobTemplates, listManagedJobTemplates } from './ops/job-templates.js';
import { abortFlag, exponentialFlag, retryFlag, rolloutRequest, windowFlag, type RolloutFlags } from './rollout-flags.js';

interface CreateFlags extends ConnectionFlags, RolloutFlags {
  description: string;
  document?: string;
  fromJob?: string;
  presignRole?: string;
  expiresIn?: number;
  timeout?: number;
}

/** `ferry job-template create|list|describe|delete|managed`: reusable job definitions, and AWS's managed ones. */
export function jobTemplateCommand(io: CliIo = processIo()): Command {
  const cmd = new Command('job-template').description('job templates: a job\'s document and rollout settings kept for reuse (ferry job create --template), and the AWS-managed templates');

  withConnection(
    cmd
      .command('create')
      .description('create a job template from a document or from an existing job')
      .argument('<template-id>')
      .requiredOption('--description <text>', 'what the template is for')
      .option('--document <file|s3://bucket/key|json>', 'the job document: a file, an object in a bucket, or inline JSON')
      .option('--from-job <job-id|arn>', 'copy an existing job\'s document and configurations')
      .option('--presign-role <role>', 'role (name or ARN) that signs ${aws:iot:s3-presigned-url:…} links')
      .option('--expires-in <seconds>', 'how long each presigned link lives (60 to 3600; default 3600)', integer(60, 3600))
      .option('--timeout <minutes>', 'in-progress timeout of each execution (1 to 10080)', integer(1, 10080))
      .option('--rate <per-minute>', 'notify at most this many things a minute (1 to 1000)', integer(1, 1000))
      .option('--exponential <BASE,FACTOR,notified|succeeded:N>', 'exponential rollout (see ferry job create)', exponentialFlag)
      .option('--abort <TYPE:PCT:MIN>', 'abort criterion (see ferry job create); repeatable', abortFlag)
      .option('--retry <TYPE:N>', 'retry criterion (see ferry job create); repeatable', retryFlag)
      .option('--window <CRON:MINUTES>', 'a maintenance window (see ferry job create); repeatable', windowFlag),
  ).action(
    action(io, async (templateId: string, flags: CreateFlags) => {
      if ((flags.document === undefined) === (flags.fromJob === undefined)) throw new UsageError('give one of --document and --from-job');
      if (flags.start || flags.end || flags.endBehavior) throw new UsageError('a job template keeps no start or end time: give them to ferry job create');
      const document = flags.document === undefined ? undefined : documentOf(io, flags.document);
      const out = await withServer(flags, io, (conn) =>
        createJobTemplate(conn, {
          templateId,
          description: flags.description,
          document,
          fromJob: flags.fromJob,
          presignRole: flags.presignRole,
          expiresInSec: flags.expiresIn,
          inProgressTimeoutMinutes: flags.timeout,
          rollout: rolloutRequest(flags),
        }),
      );
      if (flags.json) return printJson(io.stdout, out);
      printFields(io.stdout, [
        ['template', out.jobTemplateId],
        ['ARN', out.jobTemplateArn],
      ]);
      io.stdout.write(`Use it with: ferry job create JOB_ID --template ${out.jobTemplateId} --targets …\n`);
    }),
  );

  withConnection(cmd.command('list').description('list the custom job templates')).action(
    action(io, async (flags: ConnectionFlags) => {
      const templates = await withServer(flags, io, (conn) => listJobTemplates(conn));
      if (flags.json) return printJson(io.stdout, templates);
      printTable(io.stdout, ['TEMPLATE', 'CREATED', 'DESCRIPTION'], templates.map((t) => [t.jobTemplateId ?? '', when(t.createdAt), t.description ?? '']));
    }),
  );

  withConnection(cmd.command('describe').description('show a custom job template, its document and configurations').argument('<template-id>')).action(
    action(io, async (templateId: string, flags: ConnectionFlags) => {
      const { $metadata, ...t } = await withServer(flags, io, (conn) => describeJobTemplate(conn, templateId));
      void $metadata;
      if (flags.json) return printJson(io.stdout, t);
      printFields(io.stdout, [
        ['template', t.jobTemplateId],
        ['ARN', t.jobTemplateArn],
        ['description', t.description],
        ['created', when(t.createdAt)],
        ['presigned URLs', t.presignedUrlConfig?.roleArn ? `${t.presignedUrlConfig.roleArn}, ${t.presignedUrlConfig.expiresInSec} s` : '(none)'],
        ['rollout', t.jobExecutionsRolloutConfig ? JSON.stringify(t.jobExecutionsRolloutConfig) : '(all at once)'],
        ['document', t.document],
      ]);
    }),
  );

  withConnection(cmd.command('delete').description('delete a custom job template (jobs made from it are not touched)').argument('<template-id>')).action(
    action(io, async (templateId: string, flags: ConnectionFlags) => {
      await withServer(flags, io, (conn) => deleteJobTemplate(conn, templateId));
      if (flags.json) return printJson(io.stdout, { jobTemplateId: templateId, deleted: true });
      io.stdout.write(`deleted job template ${templateId}\n`);
    }),
  );

  withConnection(
    cmd
      .command('managed')
      .description('list the AWS-managed job templates, or show one (NAME or NAME:VERSION) with its document parameters')
      .argument('[name]'),
  ).action(
    action(io, async (name: string | undefined, flags: ConnectionFlags) => {
      if (name === undefined) {
        const all = await withServer(flags, io, (conn) => listManagedJobTemplates(conn));
        if (flags.json) return printJson(io.stdout, all);
        printTable(io.stdout, ['TEMPLATE', 'VERSION', 'DESCRIPTION'], all.map((t) => [t.templateName ?? '', t.templateVersion ?? '', t.description ?? '']));
        return;
      }
      const { $metadata, ...t } = await withServer(flags, io, (conn) => describeManagedJobTemplate(conn, name));
      void $metadata;
      if (flags.json) return printJson(io.stdout, t);
      printFields(io.stdout, [
        ['template', `${t.templateName}:${t.templateVersion}`],
        ['ARN', t.templateArn],
        ['description', t.description],
      ]);
      printTable(io.stdout, ['PARAMETER', 'REQUIRED', 'PATTERN', 'EXAMPLE'], (t.documentParameters ?? []).map((p) => [p.key ?? '', p.optional ? 'no' : 'yes', p.regex ?? '', p.example ?? '']));
      io.stdout.write(`Use it with: ferry job create JOB_ID --template ${t.templateName} --param KEY=VALUE … --targets …\n`);
    }),
  );

  return configureTree(cmd, io);
}
