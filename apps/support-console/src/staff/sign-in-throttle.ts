/** Failed sign-ins allowed per login in the window; per address (many logins tried from one place) four times that. */
export interface ThrottlePolicy {
  maxFailures: number;
  windowSeconds: number;
}

export interface RecentFailures {
  forLogin: number;
  forAddress: number;
  /** The oldest failure that counts against the limit that was reached: when it leaves the window, one more try. */
  oldestForLogin?: Date;
  oldestForAddress?: Date;
}

export type ThrottleVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export const addressLimit = (policy: ThrottlePolicy) => policy.maxFailures * 4;

export function throttleVerdict(
  failures: RecentFailures,
  policy: ThrottlePolicy,
  now: Date,
): ThrottleVerdict {
  const blockedSince = [
    failures.forLogin >= policy.maxFailures ? failures.oldestForLogin : undefined,
    failures.forAddress >= addressLimit(policy) ? failures.oldestForAddress : undefined,
  ].filter((at): at is Date => at !== undefined);
  if (blockedSince.length === 0) return { allowed: true };
  const until = Math.max(...blockedSince.map((at) => at.getTime() + policy.windowSeconds * 1000));
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((until - now.getTime()) / 1000)) };
}
