import { sessionState } from './session-policy';

describe('sessionState', () => {
  const policy = { idleSeconds: 30 * 60, maxSeconds: 8 * 3600 };
  const signedInAt = new Date('2026-12-01T08:00:00Z');
  const at = (minutes: number) => new Date(signedInAt.getTime() + minutes * 60_000);

  it('is active while used within the idle limit', () => {
    expect(sessionState({ createdAt: signedInAt, lastSeenAt: at(100) }, at(129), policy)).toBe('ACTIVE');
  });

  it('expires after the idle limit without a request', () => {
    expect(sessionState({ createdAt: signedInAt, lastSeenAt: at(100) }, at(130), policy)).toBe(
      'IDLE_EXPIRED',
    );
  });

  it('expires at the absolute limit however busy the session is', () => {
    expect(sessionState({ createdAt: signedInAt, lastSeenAt: at(479) }, at(480), policy)).toBe('EXPIRED');
    expect(sessionState({ createdAt: signedInAt, lastSeenAt: at(479) }, at(479.9), policy)).toBe('ACTIVE');
  });
});
