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
    pino.destination(options.destination ?? 1),
  );
}
