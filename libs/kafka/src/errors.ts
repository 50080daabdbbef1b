import { InvalidMessageError } from '@app/contracts';

/** The same work may succeed later (database or broker down, provider timeout): retry, never dead-letter. */
export class RetriableError extends Error {
  constructor(
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(code, options);
    this.name = 'RetriableError';
  }
}

/** This message can never be processed: dead-letter it with `code` as the reason and move on. */
export class PermanentError extends Error {
  constructor(readonly code: string) {
    super(code);
    this.name = 'PermanentError';
  }
}

export type ErrorClass =
  | { kind: 'retriable'; code: string }
  | { kind: 'permanent'; code: string }
  | { kind: 'unknown'; code: string };

// Postgres SQLSTATE classes that say "try again": connection (08), serialization/deadlock (40),
// insufficient resources (53), operator intervention such as a restart (57), system error (58).
const RETRIABLE_SQLSTATE = /^(08|40|53|57|58)/;
const RETRIABLE_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** Decides retry vs dead-letter by error type and driver error codes, never by message text. */
export function classifyError(error: unknown): ErrorClass {
  if (error instanceof InvalidMessageError) return { kind: 'permanent', code: error.reason.split(':')[0] };
  if (error instanceof PermanentError) return { kind: 'permanent', code: error.code };
  if (error instanceof RetriableError) return { kind: 'retriable', code: error.code };
  if (typeof error === 'object' && error !== null) {
    const { retriable, code, name, driverError } = error as {
      retriable?: unknown;
      code?: unknown;
      name?: unknown;
      driverError?: { code?: unknown };
    };
    const sqlState =
      typeof driverError?.code === 'string' ? driverError.code : typeof code === 'string' ? code : undefined;
    if (sqlState && RETRIABLE_SQLSTATE.test(sqlState) && /^[0-9A-Z]{5}$/.test(sqlState))
      return { kind: 'retriable', code: `SQLSTATE_${sqlState}` };
    if (typeof code === 'string' && RETRIABLE_SOCKET_CODES.has(code)) return { kind: 'retriable', code };
    if (retriable === true) return { kind: 'retriable', code: typeof name === 'string' ? name : 'RETRIABLE' };
    if (retriable === false && typeof code === 'string') return { kind: 'permanent', code };
    // TypeORM/pg raise plain Errors when the pool cannot connect at all.
    if (name === 'ConnectionIsNotSetError' || name === 'CannotConnectAlreadyConnectedError')
      return { kind: 'retriable', code: String(name) };
  }
  return {
    kind: 'unknown',
    code: error instanceof Error ? `UNHANDLED_${error.name}`.slice(0, 64) : 'UNHANDLED_ERROR',
  };
}
