/**
 * Typed errors with a code, mapped once per edge: the CLI prints `message`; a worker rethrows
 * transient ones (bullmq retries them) and fails permanent ones without retry.
 */
export class CodedError extends Error {
  readonly code: string;
  readonly transient: boolean;

  constructor(code: string, message: string, opts: { transient?: boolean; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'CodedError';
    this.code = code;
    this.transient = opts.transient ?? false;
  }
}

/** Configuration problems: every problem at once, one per line, never a stack trace. */
export class ConfigError extends CodedError {
  readonly problems: readonly string[];

  constructor(source: string, problems: readonly string[]) {
    super('config-invalid', `${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** A start-up problem the operator fixes in the environment (a refused token): one line, exit status 2. */
export class SetupError extends CodedError {
  constructor(message: string) {
    super('setup', message);
    this.name = 'SetupError';
  }
}

export const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));
