import { timingSafeEqual } from 'node:crypto';
import { type CanActivate, type ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import type { ConsoleRequest } from './http';

/** Constant-time comparison of the token we issued with the one the form sent back. */
export function tokensMatch(expected: string | undefined, presented: unknown): boolean {
  if (!expected || typeof presented !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * A form post must come from one of our own pages: when the browser says where it comes from (Origin,
 * Sec-Fetch-Site), that must be us. Browsers send at least one of them on every POST.
 */
export function sameOrigin(request: Pick<ConsoleRequest, 'headers'>): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = request.headers.origin;
  if (origin === undefined) return site !== undefined;
  const host = request.headers.host;
  return host !== undefined && (origin === `http://${host}` || origin === `https://${host}`);
}

export class CsrfRejected extends ForbiddenException {}

/**
 * Every form of a signed-in person carries the session's CSRF token (synchronizer token); a post without
 * it, with another, or from another origin is refused. Runs after the session guard. The session cookie is
 * SameSite=Strict as well: a cross-site post does not even carry it.
 */
@Injectable()
export class CsrfGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<ConsoleRequest>();
    const body = (request.body ?? {}) as Record<string, unknown>;
    if (!sameOrigin(request) || !tokensMatch(request.staff?.csrfToken, body._csrf)) throw new CsrfRejected();
    return true;
  }
}
