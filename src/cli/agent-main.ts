/**
 * The device agent on its own: `node ferry-agent.mjs --kit DIR`. The build
 * bundles this file and everything it imports into dist/ferry-agent.mjs
 * (scripts/bundle-agent.mjs), the one file a connection kit carries, so a
 * device needs Node.js and its kit and nothing else.
 */
import { agentCommand } from './agent-command.js';

agentCommand()
  .name('ferry-agent')
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    process.stderr.write(`ferry-agent: ${(error as Error).message}\n`);
    process.exit(1);
  });
