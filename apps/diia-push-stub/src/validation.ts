import { BadRequestException, Body, type PipeTransform, ValidationPipe } from '@nestjs/common';
import type { ClassConstructor } from 'class-transformer';
import { exceedsDepth } from '@app/platform';

export class ParseTaxIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!/^\d{10}$/.test(value)) throw new BadRequestException('taxId must be 10 digits (RNOKPP)');
    return value;
  }
}

/** Control bodies are flat; class-transformer would recurse through a deeply nested one (stack overflow, 500). */
const BODY_MAX_DEPTH = 16;

export class ShallowBodyPipe implements PipeTransform {
  transform(value: unknown): unknown {
    if (exceedsDepth(value, BODY_MAX_DEPTH))
      throw new BadRequestException(`body must not nest deeper than ${BODY_MAX_DEPTH} levels`);
    return value;
  }
}

export const ValidatedBody = (cls: ClassConstructor<object>) =>
  Body(
    new ShallowBodyPipe(),
    new ValidationPipe({ expectedType: cls, whitelist: true, forbidNonWhitelisted: true, transform: true }),
  );
