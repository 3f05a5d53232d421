import { Command } from 'commander';
import { withServer, type Connection } from './client-config.js';
import { configureTree, withConnection, type ConnectionFlags } from './command.js';
import { parseS3Url } from './arns.js';
import { checkJson, readJsonFile } from './files.js';
import { EXIT, UsageError, processIo, type CliIo } from './io.js';
import { JobView, counterLine } from './job-view.js';
import { action, printFields, printJson, printTable, when } from './output.js';
import { collectList, collectPairs, integer } from './parse.js';
import { templateArnOf } from './ops/job-templates.js';
import { allSucceeded, cancelJob, counters, createJob, describeJob, listJobs, type CreateJobInput } from './ops/jobs.js';
import { watchJob, type WatchSnapshot } from './ops/watch.js';
import { abortFlag, exponentialFlag, retryFlag, rolloutRequest, windowFlag, type RolloutFlags } from './rollout-flags.js';

interface CreateFlags extends ConnectionFlags, RolloutFlags {
  targets: string[];
  document?: string;
  template?: string;
  param?: Record<string, string>;
  presignRole?: string;
  expiresIn?: number;
  description?: string;
  timeout?: number;
  continuous?: boolean;
}

/** `--document` is a file, an s3://B/K object (documentSource), or inline JSON. */
export function documentOf(io: CliIo, value: string): CreateJobInput['document'] {
  const s3 = parseS3Url(value);
  if (s3) {
    if (!s3.key) throw new UsageError(`${value} names no object`);
    return s3;
  }
  if (value.trimStart().startsWith('{')) {
    checkJson(value, 'the inline document');
    return { text: value };
  }
  return { text: readJsonFile(io, value) };
}

/**
 * The exit code a watch's final state means; with --json, prints that state
 * (without it, the view has already shown the final state, once).
 */
export function watchResult(io: CliIo, s: WatchSnapshot, json: boolean | undefined): number {
  if (json) {
    printJson(io.stdout, {
      jobId: s.jobId,
      status: s.job.status,
      finished: s.finished,
      counters: s.counters,
      executions: s.executions.map((e) => ({ thingName: e.thingName, status: e.status, statusDetails: e.details })),
      timeline: s.timeline,
    });
  }
  if (s.interrupted) return 130;
  return allSucceeded(s.counters) && s.job.status === 'COMPLETED' ? EXIT.ok : EXIT.jobFailed;
}

export async function runWatch(io: CliIo, conn: Connection, jobId: string, o: { intervalMs: number; json?: boolean | undefined }): Promise<number> {
  const view = new JobView(io.stdout);
  const last = await watchJob(conn, jobId, { intervalMs: o.intervalMs, signal: io.signal, onSnapshot: o.json ? undefined : (s) => view.show(s) });
  return watchResult(io, last, o.json);
}

/** `ferry job create|describe|list|cancel|watch`: the story's steps 5 and 7. */
export function jobCommand(io: CliIo = processIo()): Command {
  const job = new Command('job').description('jobs: send a document (with presigned download links) to things and watch them run it');

  withConnection(
    job
      .command('create')
      .description('create a job for things and thing groups')
      .argument('<job-id>')
      .requiredOption('--targets <targets>', 'thing names and thing-group:NAME (or ARNs), comma-separated or repeated', collectList)
      .option('--document <file|s3://bucket/key|json>', 'the job document: a file, an object in a bucket (documentSource), or inline JSON')
      .option('--template <name|arn>', 'make the job from a job template: a custom one\'s id, an AWS-managed one\'s name (AWS-Download-File[:1.0]), or an ARN; the job\'s own flags override it')
      .option('--param <key=value>', 'a documentParameters value of an AWS-managed template (repeatable)', collectPairs)
      .option('--presign-role <role>', 'role (name or ARN) that signs ${aws:iot:s3-presigned-url:…} links')
      .option('--expires-in <seconds>', 'how long each presigned link lives (60 to 3600; default 3600)', integer(60, 3600))
      .option('--description <text>', 'job description')
      .option('--timeout <minutes>', 'in-progress timeout of each execution (1 to 10080)', integer(1, 10080))
      .option('--rate <per-minute>', 'notify at most this many things a minute (1 to 1000)', integer(1, 1000))
      .option('--exponential <BASE,FACTOR,notified|succeeded:N>', 'start at BASE a minute, times FACTOR each time another N things are notified (or succeed); --rate caps it', exponentialFlag)
      .option('--abort <TYPE:PCT:MIN>', 'cancel the job once PCT % of ended executions are TYPE (FAILED, REJECTED, TIMED_OUT, ALL), after MIN things were notified; repeatable', abortFlag)
      .option('--retry <TYPE:N>', 'retry a FAILED, TIMED_OUT (needs --timeout) or ALL failed execution up to N times; repeatable', retryFlag)
      .option('--start <YYYY-MM-DDTHH:MM>', 'keep the job SCHEDULED until this UTC time (30 minutes to a year ahead)')
      .option('--end <YYYY-MM-DDTHH:MM>', 'stop the rollout at this UTC time (see --end-behavior)')
      .option('--end-behavior <behavior>', 'at --end: STOP_ROLLOUT (default), CANCEL or FORCE_CANCEL')
      .option('--window <CRON:MINUTES>', "roll out only inside this maintenance window, e.g. 'cron(0 18 ? * MON-FRI *):60' (AWS cron, UTC); repeatable", windowFlag)
      .option('--continuous', 'a CONTINUOUS job: things that join the target groups later get it too, until it is canceled'),
  ).action(
    action(io, async (jobId: string, flags: CreateFlags) => {
      if (flags.document === undefined && flags.template === undefined) throw new UsageError('give --document (the job document) or --template (a job template)');
      if (flags.param && flags.template === undefined) throw new UsageError('--param fills an AWS-managed template\'s document: give --template too');
      const document = flags.document === undefined ? undefined : documentOf(io, flags.document);
      const out = await withServer(flags, io, async (conn) =>
        createJob(conn, {
          jobId,
          targets: flags.targets,
          document,
          jobTemplateArn: flags.template === undefined ? undefined : await templateArnOf(conn, flags.template),
          documentParameters: flags.param,
          presignRole: flags.presignRole,
          expiresInSec: flags.expiresIn,
          description: flags.description,
          inProgressTimeoutMinutes: flags.timeout,
          rollout: rolloutRequest(flags),
          continuous: flags.continuous,
        }),
      );
      if (flags.json) return printJson(io.stdout, out);
      printFields(io.stdout, [
        ['job', out.jobId],
        ['ARN', out.jobArn],
        ['targets', out.targets.join(', ')],
      ]);
      io.stdout.write(`Watch it with: ferry job watch ${out.jobId}\n`);
    }),
  );

  withConnection(job.command('describe').description("show a job, its counters and every device's status").argument('<job-id>')).action(
    action(io, async (jobId: string, flags: ConnectionFlags) => {
      const d = await withServer(flags, io, (conn) => describeJob(conn, jobId));
      if (flags.json) return printJson(io.stdout, { ...d, counters: counters(d.job) });
      const j = d.job;
      printFields(io.stdout, [
        ['job', j.jobId],
        ['status', j.status],
        ['description', j.description],
        ['created', when(j.createdAt)],
        ['completed', when(j.completedAt)],
        ['document', d.documentSource ?? '(inline)'],
        ['presigned URLs', j.presignedUrlConfig?.roleArn ? `${j.presignedUrlConfig.roleArn}, ${j.presignedUrlConfig.expiresInSec} s` : '(none)'],
        ['targets', (j.targets ?? []).join(', ')],
        ['counters', counterLine(counters(j))],
      ]);
      printTable(
        io.stdout,
        ['THING', 'STATUS', 'QUEUED', 'STARTED', 'UPDATED'],
        d.executions.map((e) => [e.thingName, e.status, when(e.queuedAt), when(e.startedAt), when(e.lastUpdatedAt)]),
      );
    }),
  );

  withConnection(
    job
      .command('list')
      .description('list jobs')
      .option('--status <status>', 'IN_PROGRESS, CANCELED, COMPLETED, DELETION_IN_PROGRESS or SCHEDULED'),
  ).action(
    action(io, async (flags: ConnectionFlags & { status?: string }) => {
      const jobs = await withServer(flags, io, (conn) => listJobs(conn, flags.status));
      if (flags.json) return printJson(io.stdout, jobs);
      printTable(
        io.stdout,
        ['JOB', 'STATUS', 'SELECTION', 'CREATED', 'COMPLETED'],
        jobs.map((j) => [j.jobId, j.status, j.targetSelection, when(j.createdAt), when(j.completedAt)]),
      );
    }),
  );

  withConnection(
    job
      .command('cancel')
      .description('cancel a job: queued executions are canceled; --force cancels those in progress too')
      .argument('<job-id>')
      .option('--force', 'also cancel executions in progress')
      .option('--reason-code <code>', 'reason code (upper case letters, digits and _)')
      .option('--comment <text>', 'why'),
  ).action(
    action(io, async (jobId: string, flags: ConnectionFlags & { force?: boolean; reasonCode?: string; comment?: string }) => {
      const out = await withServer(flags, io, (conn) => cancelJob(conn, jobId, flags));
      if (flags.json) return printJson(io.stdout, out);
      io.stdout.write(`canceled job ${jobId}${flags.force ? ' (forced)' : ''}\n`);
    }),
  );

  withConnection(
    job
      .command('watch')
      .description('live view of a job — counters, each device, a progress bar, the timeline of its events — until it completes (exit 0 if every device succeeded, 3 if not)')
      .argument('<job-id>')
      .option('--interval <ms>', 'how often to poll', integer(50, 600000), 1000),
  ).action(
    action(io, async (jobId: string, flags: ConnectionFlags & { interval: number }) =>
      withServer(flags, io, (conn) => runWatch(io, conn, jobId, { intervalMs: flags.interval, json: flags.json })),
    ),
  );

  return configureTree(job, io);
}
