import type { LoggerService } from '@nestjs/common';
import pino, { type Logger } from 'pino';
import { maskPhonesInText } from './masking';

/**
 * Keys whose values are never written, wherever they appear in a logged object: codes, full phones,
 * message texts (they contain codes), tokens.
 */
export const REDACTED_KEYS = [
  'verificationCode',
  'code',
  'sealedCode',
  'phone',
  'phoneNumber',
  'number',
  'address',
  'text',
  'authorization',
  'token',
  'secret',
  'taxId',
];

const redactPaths = REDACTED_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);

export function createLogger(app: string, level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      name: app,
      level,
      base: { app },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: redactPaths, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
      hooks: {
        // Free-text arguments are the easy place for a phone to slip through: mask them all.
        logMethod(args, method) {
          method.apply(
            this,
            args.map((arg) => (typeof arg === 'string' ? maskPhonesInText(arg) : arg)) as Parameters<
              typeof method
            >,
          );
        },
      },
      serializers: {
        err: (err: Error) => ({
          type: err.name,
          message: maskPhonesInText(err.message),
          code: (err as { code?: unknown }).code,
        }),
      },
    },
    destination,
  );
}

/** Nest's LoggerService on top of pino, so framework logs are JSON and go through the same guards. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.write('info', message, context);
  }
  error(message: unknown, stackOrContext?: string, context?: string): void {
    this.write('error', message, context ?? stackOrContext);
  }
  warn(message: unknown, context?: string): void {
    this.write('warn', message, context);
  }
  debug(message: unknown, context?: string): void {
    this.write('debug', message, context);
  }
  verbose(message: unknown, context?: string): void {
    this.write('trace', message, context);
  }

  private write(
    level: 'info' | 'error' | 'warn' | 'debug' | 'trace',
    message: unknown,
    context?: string,
  ): void {
    if (message instanceof Error) this.logger[level]({ context, err: message }, message.message);
    else if (typeof message === 'object' && message !== null) this.logger[level]({ context, ...message });
    else this.logger[level]({ context }, String(message));
  }
}
