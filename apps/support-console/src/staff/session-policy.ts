/** How long a session lives: an idle limit (no request for so long) and an absolute one (since sign-in). */
export interface SessionPolicy {
  idleSeconds: number;
  maxSeconds: number;
}

export type SessionState = 'ACTIVE' | 'IDLE_EXPIRED' | 'EXPIRED';

export function sessionState(
  session: { createdAt: Date; lastSeenAt: Date },
  now: Date,
  policy: SessionPolicy,
): SessionState {
  if (now.getTime() - session.createdAt.getTime() >= policy.maxSeconds * 1000) return 'EXPIRED';
  if (now.getTime() - session.lastSeenAt.getTime() >= policy.idleSeconds * 1000) return 'IDLE_EXPIRED';
  return 'ACTIVE';
}
