import { ConsoleRefusal } from './routes.js';

/** An SDK's refusal as the console answers it: the AWS error name, its message, its status (an operation's 401 is not the session's). */
export function refusalOf(error: unknown): ConsoleRefusal {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode ?? 500;
  return new ConsoleRefusal(status === 401 ? 403 : status, e.name ?? 'UnknownError', e.message || 'The operation failed.');
}

/** The SDK's output without its transport metadata. */
export function outputOf(output: object): Record<string, unknown> {
  const { $metadata: _metadata, ...rest } = output as Record<string, unknown>;
  return rest;
}
