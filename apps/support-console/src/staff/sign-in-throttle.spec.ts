import { throttleVerdict } from './sign-in-throttle';

describe('throttleVerdict', () => {
  const policy = { maxFailures: 5, windowSeconds: 900 };
  const now = new Date('2026-12-01T08:15:00Z');
  const tenMinutesAgo = new Date(now.getTime() - 600_000);

  it('allows sign-in below the limits', () => {
    expect(throttleVerdict({ forLogin: 4, forAddress: 19 }, policy, now)).toEqual({ allowed: true });
  });

  it('blocks a login after five failures until the oldest leaves the window', () => {
    expect(
      throttleVerdict(
        { forLogin: 5, forAddress: 5, oldestForLogin: tenMinutesAgo, oldestForAddress: tenMinutesAgo },
        policy,
        now,
      ),
    ).toEqual({ allowed: false, retryAfterSeconds: 300 });
  });

  it('blocks an address that tries many logins (four times the per-login limit)', () => {
    expect(
      throttleVerdict(
        { forLogin: 1, forAddress: 20, oldestForLogin: now, oldestForAddress: tenMinutesAgo },
        policy,
        now,
      ),
    ).toEqual({ allowed: false, retryAfterSeconds: 300 });
  });

  it('never answers with less than a second', () => {
    const old = new Date(now.getTime() - 900_000);
    expect(throttleVerdict({ forLogin: 5, forAddress: 5, oldestForLogin: old }, policy, now)).toEqual({
      allowed: false,
      retryAfterSeconds: 1,
    });
  });
});
