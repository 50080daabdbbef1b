import { BadRequestException, Injectable, type PipeTransform } from '@nestjs/common';
import { normalisePhone } from './phone';

/** Accepts `+380XXXXXXXXX` or `380XXXXXXXXX` and yields `+380XXXXXXXXX`; 400 otherwise (optional when asked). */
@Injectable()
export class ParsePhonePipe implements PipeTransform<unknown, string | undefined> {
  constructor(private readonly options: { optional?: boolean } = {}) {}

  transform(value: unknown): string | undefined {
    if ((value === undefined || value === '') && this.options.optional) return undefined;
    const phone = typeof value === 'string' ? normalisePhone(value) : undefined;
    if (!phone) throw new BadRequestException('phone must be +380XXXXXXXXX or 380XXXXXXXXX');
    return phone;
  }
}
