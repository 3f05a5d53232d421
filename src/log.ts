import pino, { type Logger } from 'pino';

/**
 * Structured logs. Secrets never reach them: these paths are censored
 * wherever they appear, and URLs are logged through redactUrl.
 */
export function createLogger(options: { level?: string; destination?: number | string } = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.FERRY_LOG_LEVEL ?? 'info',
      redact: {
        paths: [
          'authorization',
          '*.authorization',
          'headers.authorization',
          '*.headers.authorization',
          '*.headers["x-amz-security-token"]',
          'secretAccessKey',
          '*.secretAccessKey',
          'sessionToken',
          '*.sessionToken',
          'privateKeyPem',
          '*.privateKeyPem',
          'PrivateKey',
          '*.PrivateKey',
        ],
        censor: '***',
      },
    },
    // A file is written synchronously: sonic-boom's flush() does not wait for an
    // asynchronous write still in flight, so a line logged just before exit (or
    // before a test reads the file) could be missing.
    typeof options.destination === 'string' ? pino.destination({ dest: options.destination, sync: true }) : pino.destination(options.destination ?? 1),
  );
}
