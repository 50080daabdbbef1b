import type { ExecutionContext } from '@nestjs/common';
import { CsrfGuard, CsrfRejected, sameOrigin, tokensMatch } from './csrf';

const context = (request: object) =>
  ({ switchToHttp: () => ({ getRequest: () => request }) }) as unknown as ExecutionContext;

describe('CSRF', () => {
  const token = 'aVeryRandomSessionCsrfToken0123456789abcdefg';
  const ours = { host: '127.0.0.1:3006', origin: 'http://127.0.0.1:3006', 'sec-fetch-site': 'same-origin' };
  const post = (headers: Record<string, string>, body: object) => ({
    headers,
    body,
    staff: { csrfToken: token },
  });

  it('accepts a form from our page with the session token', () => {
    expect(new CsrfGuard().canActivate(context(post(ours, { _csrf: token })))).toBe(true);
  });

  it.each([
    ['no token', {}],
    ['another token', { _csrf: 'aVeryRandomSessionCsrfToken0123456789abcdefG' }],
    ['a shorter token', { _csrf: token.slice(1) }],
    ['a token that is not a string', { _csrf: [token] }],
  ])('refuses a form with %s', (_name, body) => {
    expect(() => new CsrfGuard().canActivate(context(post(ours, body)))).toThrow(CsrfRejected);
  });

  it('refuses a post from another origin even with the right token', () => {
    for (const headers of [
      { ...ours, origin: 'https://evil.example' },
      { ...ours, 'sec-fetch-site': 'cross-site' },
      { host: '127.0.0.1:3006' }, // neither Origin nor Sec-Fetch-Site: not a browser form of ours
    ])
      expect(() => new CsrfGuard().canActivate(context(post(headers, { _csrf: token })))).toThrow(
        CsrfRejected,
      );
  });

  it('refuses when there is no session token to compare with', () => {
    expect(tokensMatch(undefined, token)).toBe(false);
    expect(tokensMatch('', '')).toBe(false);
  });

  it('takes either header as proof of the origin', () => {
    expect(sameOrigin({ headers: { host: 'a:1', origin: 'http://a:1' } })).toBe(true);
    expect(sameOrigin({ headers: { host: 'a:1', 'sec-fetch-site': 'same-origin' } })).toBe(true);
    expect(sameOrigin({ headers: { host: 'a:1', origin: 'http://a:2' } })).toBe(false);
  });
});
