import {
  type ArgumentMetadata,
  BadRequestException,
  type INestApplication,
  type PipeTransform,
  ValidationPipe,
} from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { exceedsDepth } from '@app/platform';

/** Request bodies are small JSON documents; anything larger is refused with 413 before parsing. */
export const BODY_LIMIT = '64kb';

/** Our request bodies nest three levels at most. */
export const BODY_MAX_DEPTH = 16;

/**
 * Refuses deeply nested bodies with 400 before validation: class-transformer walks them recursively, and a
 * body of a few thousand nested arrays (a few KiB) would overflow the stack there (an HTTP 500).
 */
export class ShallowBodyPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'body' && exceedsDepth(value, BODY_MAX_DEPTH))
      throw new BadRequestException(`body must not nest deeper than ${BODY_MAX_DEPTH} levels`);
    return value;
  }
}

/**
 * HTTP setup shared by main.ts and the tests, so tests exercise the same parser and validation.
 * The app must be created with `{ bodyParser: false }` for the body limit to be the only JSON parser.
 */
export function configureSimulatorApp(app: INestApplication): INestApplication {
  const express = app as NestExpressApplication;
  express.useBodyParser('json', { limit: BODY_LIMIT });
  // SMSC's API takes form bodies.
  express.useBodyParser('urlencoded', { limit: BODY_LIMIT, extended: false });
  express.disable('x-powered-by');
  app.useGlobalPipes(
    new ShallowBodyPipe(),
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      transform: true,
      // Messages name fields and rules; never echo the offending value (it may be a phone or a text).
      validationError: { target: false, value: false },
    }),
  );
  return app;
}
