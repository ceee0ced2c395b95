/**
 * Ports every use case may take: structured logs and the clock. The files of src/domain/ports/ are
 * the interfaces the use cases (src/app) need, in domain types only, one file per concern. Adapters
 * implement them (src/adapters); test/support/fakes has an in-memory one of each store, and the
 * contract suites in test/contract run the same assertions against both.
 */

/** Structured logs: a static message and a metadata object (pino's argument order). */
export interface Logger {
  debug(meta: object, msg: string): void;
  info(meta: object, msg: string): void;
  warn(meta: object, msg: string): void;
  error(meta: object, msg: string): void;
}

export type Clock = () => Date;
