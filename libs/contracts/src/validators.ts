import { isISO8601, registerDecorator, ValidationOptions } from 'class-validator';

export function IsFlatStringRecord(
  limits: { maxKeys: number; maxValueLength: number },
  options?: ValidationOptions,
): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isFlatStringRecord',
      target: target.constructor,
      propertyName: propertyName.toString(),
      options: {
        message: `$property must be an object of at most ${limits.maxKeys} string values of at most ${limits.maxValueLength} characters`,
        ...options,
      },
      validator: {
        validate(value: unknown) {
          if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
          const entries = Object.entries(value);
          return (
            entries.length <= limits.maxKeys &&
            entries.every(
              ([key, v]) => key.length <= 64 && typeof v === 'string' && v.length <= limits.maxValueLength,
            )
          );
        },
      },
    });
}

// RFC 3339 date-time (JSON Schema `format: date-time`): what the AsyncAPI document promises and what every
// consumer can compare. Strict ISO 8601 alone also admits week dates, ordinal dates, basic format and
// minute precision, several of which Date.parse reads as NaN - and a NaN deadline or expiry stalls the
// component that computes with it.
const RFC3339_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** A contract time: an RFC 3339 date-time with a zone, a real calendar date, readable by Date.parse. */
export function IsTimestamp(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isTimestamp',
      target: target.constructor,
      propertyName: propertyName.toString(),
      options: { message: '$property must be an RFC 3339 date-time with a zone', ...options },
      validator: {
        validate(value: unknown) {
          return (
            typeof value === 'string' &&
            RFC3339_DATE_TIME.test(value) &&
            isISO8601(value, { strict: true, strictSeparator: true }) &&
            Number.isFinite(Date.parse(value))
          );
        },
      },
    });
}
