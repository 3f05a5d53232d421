import type { Command } from 'commander';

/**
 * Every `ferry` verb, each loaded only when it runs: `ferry job …` never
 * loads the server, `ferry --version` loads no verb at all. A new verb is one
 * line here.
 */
export const VERBS: Record<string, () => Promise<Command>> = {
  server: async () => (await import('./server-command.js')).serverCommand(),
  thing: async () => (await import('./thing-command.js')).thingCommand(),
  'thing-group': async () => (await import('./thing-group-command.js')).thingGroupCommand(),
  policy: async () => (await import('./policy-command.js')).policyCommand(),
  bucket: async () => (await import('./bucket-command.js')).bucketCommand(),
  cp: async () => (await import('./cp-command.js')).cpCommand(),
  role: async () => (await import('./role-command.js')).roleCommand(),
  job: async () => (await import('./job-command.js')).jobCommand(),
  'job-template': async () => (await import('./job-template-command.js')).jobTemplateCommand(),
  demo: async () => (await import('./demo-command.js')).demoCommand(),
  agent: async () => (await import('./agent-command.js')).agentCommand(),
  config: async () => (await import('./config-command.js')).configCommand(),
  cluster: async () => (await import('./cluster-command.js')).clusterCommand(),
  audit: async () => (await import('./audit-command.js')).auditCommand(),
  user: async () => (await import('./user-command.js')).userCommand(),
  group: async () => (await import('./group-command.js')).groupCommand(),
  admin: async () => (await import('./admin-command.js')).adminCommand(),
};

/**
 * The verbs a command line needs: the one it names; none for `--version`;
 * every one otherwise (help, or an unknown verb commander suggests a name for).
 */
export async function verbsFor(argv: readonly string[]): Promise<Command[]> {
  const first = argv[0];
  if (first !== undefined && Object.hasOwn(VERBS, first)) return [await VERBS[first]!()];
  if (first === '-V' || first === '--version') return [];
  return Promise.all(Object.values(VERBS).map((load) => load()));
}
