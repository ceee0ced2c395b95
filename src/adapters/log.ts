import { pino } from 'pino';

export type Logger = pino.Logger;

/** One logger, built in main and passed down. Logs go to stderr: stdout is the report's. */
export function createLogger(level: string, bindings: Record<string, unknown> = {}): Logger {
  return pino(
    {
      level,
      base: { app: 'imds-bot', ...bindings },
      redact: {
        paths: ['*.secretAccessKey', '*.sessionToken', '*.SecretAccessKey', '*.SessionToken', '*.token'],
        censor: '[redacted]',
      },
    },
    pino.destination(2),
  );
}

/** A logger that drops everything: for tests and for commands whose output is the report. */
export const silentLogger = (): Logger => pino({ level: 'silent' });
