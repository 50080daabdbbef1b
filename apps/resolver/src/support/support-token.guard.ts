import { type CanActivate, type ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { bearerMatches, InjectConfig } from '@app/runtime';
import type { ResolverConfig } from '../resolver.config';

/**
 * The support API accepts one service credential, the support console's SUPPORT_TOKEN (contract §10);
 * people sign in to the console, never here. Checked in a guard, which Nest runs before pipes: a caller
 * without the token gets 401 for any path, never a 400 that tells them what a valid query looks like.
 */
@Injectable()
export class SupportTokenGuard implements CanActivate {
  constructor(@InjectConfig() private readonly config: ResolverConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const { headers } = context
      .switchToHttp()
      .getRequest<{ headers: Record<string, string | string[] | undefined> }>();
    const authorization = typeof headers.authorization === 'string' ? headers.authorization : undefined;
    if (!bearerMatches(authorization, this.config.SUPPORT_TOKEN)) throw new UnauthorizedException();
    return true;
  }
}
