/**
 * POST /console/api/iam `{ action, input }`: one IAM operation (the AWS SDK's input shape) as
 * the signed-in identity, through the api listener's own IAM endpoint (sdk.ts).
 */
import * as iamSdk from '@aws-sdk/client-iam';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../server/context.js';
import { ConsoleRefusal, jsonBody, type ConsoleKit } from './routes.js';
import { iamClientFor } from './sdk.js';
import { outputOf, refusalOf } from './sdk-errors.js';

type CommandClass = new (input: object) => Parameters<iamSdk.IAMClient['send']>[0];

function commandOf(action: unknown): CommandClass | undefined {
  if (typeof action !== 'string' || !/^[A-Z][A-Za-z]{2,60}$/.test(action)) return undefined;
  const found = (iamSdk as unknown as Record<string, unknown>)[`${action}Command`];
  return typeof found === 'function' ? (found as CommandClass) : undefined;
}

export function registerConsoleIam(app: FastifyInstance, ctx: AppContext, kit: ConsoleKit): void {
  kit.route('POST', '/console/api/iam', async (request) => {
    const session = await kit.sessionOf(request);
    const body = jsonBody(request);
    const Command = commandOf(body.action);
    if (!Command) throw new ConsoleRefusal(400, 'InvalidRequestException', 'action must name an IAM operation, such as ListRoles.');
    const input = body.input ?? {};
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new ConsoleRefusal(400, 'InvalidRequestException', 'input must be an object.');
    const client = iamClientFor(app, ctx, session.credential, request.headers.host ?? 'localhost');
    try {
      return { output: outputOf(await client.send(new Command(input))) };
    } catch (error) {
      throw refusalOf(error);
    } finally {
      client.destroy();
    }
  });
}
