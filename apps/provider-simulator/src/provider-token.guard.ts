import { createHash, timingSafeEqual } from 'node:crypto';
import {
  HttpException,
  HttpStatus,
  Injectable,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { TurboSmsCode } from '@app/providers';
import { SimulatorConfig } from './simulator.config';

/**
 * Bearer token check for the aggregator API. Like TurboSMS, a bad or missing token is still HTTP 200, with
 * `response_code` 301 in the body; it runs before body validation so strangers learn nothing else.
 */
@Injectable()
export class ProviderTokenGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(config: SimulatorConfig) {
    this.expected = digest(config.PROVIDER_TOKEN);
  }

  canActivate(context: ExecutionContext): boolean {
    const { headers } = context
      .switchToHttp()
      .getRequest<{ headers: Record<string, string | string[] | undefined> }>();
    const header = typeof headers.authorization === 'string' ? headers.authorization : '';
    const token = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim() ?? '';
    // Compare digests so the comparison is constant-time whatever the lengths.
    if (token && timingSafeEqual(digest(token), this.expected)) return true;
    throw new HttpException(
      { response_code: TurboSmsCode.INVALID_TOKEN, response_status: 'INVALID_TOKEN' },
      HttpStatus.OK,
    );
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
