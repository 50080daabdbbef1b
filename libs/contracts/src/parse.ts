import { isUtf8 } from 'node:buffer';
import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import './validation-cache';

/** Messages bigger than this are rejected before JSON parsing (contract messages are a few KiB). */
export const MAX_MESSAGE_BYTES = 64 * 1024;

/** A message that can never be processed: it goes to the DLQ with `reason` and the consumer moves on. */
export class InvalidMessageError extends Error {
  constructor(
    readonly reason: string,
    /**
     * The property paths that failed contract validation (`payload.verificationCode`, `phones.0.number`),
     * never their values; empty when the message could not be read as an object at all.
     */
    readonly fields: readonly string[] = [],
  ) {
    super(reason);
    this.name = 'InvalidMessageError';
  }
}

/** At most this many failing paths are reported per message (a hostile message may fail everywhere). */
export const MAX_FAILING_FIELDS = 32;
/** A path segment is a contract property name or an array index; anything else is shown as `*`. */
const SAFE_SEGMENT = /^[A-Za-z0-9_]{1,64}$/;

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** Such a key in plain text, or any \u escape (which could spell one). */
const MAY_HOLD_FORBIDDEN_KEY = /"(__proto__|constructor|prototype)"|\\u/;

export function parseJson(raw: Buffer | string | null | undefined): unknown {
  if (raw === null || raw === undefined) throw new InvalidMessageError('EMPTY_VALUE');
  const bytes = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
  if (bytes.length > MAX_MESSAGE_BYTES) throw new InvalidMessageError('MESSAGE_TOO_LARGE');
  if (!isUtf8(bytes)) throw new InvalidMessageError('INVALID_UTF8');
  const text = bytes.toString('utf8');
  try {
    // Prototype-pollution keys are dropped while parsing, before any object is built from them. A reviver
    // costs a call per value, so it runs only when the text could hold such a key at all.
    if (!MAY_HOLD_FORBIDDEN_KEY.test(text)) return JSON.parse(text);
    return JSON.parse(text, (key, value: unknown) => (FORBIDDEN_KEYS.has(key) ? undefined : value));
  } catch {
    throw new InvalidMessageError('INVALID_JSON');
  }
}

/** Validates a plain value against a contract class. The reason names fields and rules, never values. */
export function validateMessage<T extends object>(cls: ClassConstructor<T>, plain: unknown): T {
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
    throw new InvalidMessageError('NOT_AN_OBJECT');
  }
  const instance = plainToInstance(cls, plain, { excludeExtraneousValues: false });
  const errors = validateSync(instance, { forbidUnknownValues: true, stopAtFirstError: true });
  if (errors.length > 0)
    throw new InvalidMessageError(`INVALID_MESSAGE: ${describeErrors(errors)}`, failingPaths(errors));
  return instance;
}

/**
 * The dotted paths of the properties that failed, leaves only (`payload.verificationCode`, not `payload`
 * as well), in the order class-validator reports them. Segments are property names of the contract classes
 * or array indices; a segment that is neither (it cannot come from the classes, but this is the one place
 * that must never echo input) is replaced by `*`.
 */
export function failingPaths(errors: ValidationError[]): string[] {
  const paths: string[] = [];
  const visit = (list: ValidationError[], prefix: string[]) => {
    for (const error of list) {
      const at =
        error.property === '' || error.property === undefined ? prefix : [...prefix, safe(error.property)];
      if (error.constraints && Object.keys(error.constraints).length > 0 && at.length > 0)
        paths.push(at.join('.'));
      if (error.children?.length) visit(error.children, at);
    }
  };
  visit(errors, []);
  return [...new Set(paths)].slice(0, MAX_FAILING_FIELDS);
}

function safe(segment: unknown): string {
  const text = String(segment);
  return SAFE_SEGMENT.test(text) ? text : '*';
}

export function parseMessage<T extends object>(
  cls: ClassConstructor<T>,
  raw: Buffer | string | null | undefined,
): T {
  return validateMessage(cls, parseJson(raw));
}

function describeErrors(errors: ValidationError[], path = ''): string {
  return errors
    .flatMap((error) => {
      const at = path ? `${path}.${error.property}` : error.property;
      const own = error.constraints ? [`${at} (${Object.keys(error.constraints).join(',')})`] : [];
      return [...own, ...(error.children?.length ? [describeErrors(error.children, at)] : [])];
    })
    .slice(0, 5)
    .join('; ');
}
