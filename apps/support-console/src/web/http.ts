import type { SafeHtml } from '../views/html';
import type { SignedIn } from '../staff/auth.service';

/** The part of Express's request the console reads; `staff` is set by the session guard. */
export interface ConsoleRequest {
  method: string;
  path: string;
  headers: Record<string, string | undefined>;
  body?: unknown;
  socket: { remoteAddress?: string };
  staff?: SignedIn;
}

export interface CookieOptions {
  httpOnly: boolean;
  sameSite: 'strict';
  secure: boolean;
  path: string;
  maxAge?: number;
}

/** The part of Express's response the console writes. */
export interface ConsoleResponse {
  status(code: number): ConsoleResponse;
  set(headers: Record<string, string>): ConsoleResponse;
  set(name: string, value: string): ConsoleResponse;
  send(body: string): ConsoleResponse;
  redirect(status: number, url: string): void;
  cookie(name: string, value: string, options: CookieOptions): ConsoleResponse;
  clearCookie(name: string, options: CookieOptions): ConsoleResponse;
}

export const SESSION_COOKIE = 'esoz_support_session';
export const SIGN_IN_CSRF_COOKIE = 'esoz_support_sign_in';

/** The cookies of a request (no cookie-parser: one header, a few lines). */
export function cookiesOf(request: Pick<ConsoleRequest, 'headers'>): Record<string, string> {
  const header = request.headers.cookie ?? '';
  const cookies: Record<string, string> = {};
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at <= 0) continue;
    const name = part.slice(0, at).trim();
    try {
      cookies[name] = decodeURIComponent(part.slice(at + 1).trim());
    } catch {
      // A cookie we cannot decode is not one of ours.
    }
  }
  return cookies;
}

/** The client's address for the rate limit and the audit log (the socket's: no proxy headers are trusted). */
export const addressOf = (request: Pick<ConsoleRequest, 'socket'>): string =>
  request.socket.remoteAddress ?? 'unknown';

/**
 * Every page: no caching (it shows personal data), no framing, no script at all, styles and images from
 * ourselves only, forms posting only to ourselves. Referrer `same-origin`, not `no-referrer`: with the latter
 * Chromium sends `Origin: null` on our own form posts, and the CSRF origin check needs the real one.
 */
export function sendPage(response: ConsoleResponse, page: SafeHtml, status = 200): void {
  response
    .status(status)
    .set({
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      'Content-Security-Policy':
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'same-origin',
      'Cross-Origin-Opener-Policy': 'same-origin',
    })
    .send(page.value);
}

/** Where to go after signing in: only our own pages, never an address from outside. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(overview|notifications\/[0-9a-f-]{36})?$/i.test(next) ? next : '/';
}
