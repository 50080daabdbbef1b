import { createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectConfig, InjectLogger } from '@app/runtime';
import type { Logger } from 'pino';
import { AuditAction, AuditRepository } from '../audit/audit.repository';
import type { SupportConsoleConfig } from '../support-console.config';
import { dummyHash, LOGIN_PATTERN, normaliseLogin, verifyPassword } from './password';
import { SessionRepository } from './session.repository';
import { sessionState, type SessionPolicy } from './session-policy';
import { SignInFailureRepository } from './sign-in-failure.repository';
import { throttleVerdict, type ThrottlePolicy } from './sign-in-throttle';
import { StaffRepository } from './staff.repository';

/** The signed-in person behind a request. */
export interface SignedIn {
  staffId: string;
  login: string;
  csrfToken: string;
  tokenHash: string;
}

export type SignInOutcome =
  | { kind: 'SIGNED_IN'; token: string; staff: SignedIn }
  | { kind: 'INVALID' }
  | { kind: 'THROTTLED'; retryAfterSeconds: number };

export const newToken = (): string => randomBytes(32).toString('base64url');
export const tokenHash = (token: string): string => createHash('sha256').update(token).digest('base64url');

/** Sign-in (rate-limited, per person), sessions (idle and absolute expiry), sign-out. */
@Injectable()
export class AuthService {
  private readonly sessionPolicy: SessionPolicy;
  private readonly throttlePolicy: ThrottlePolicy;

  constructor(
    private readonly staff: StaffRepository,
    private readonly sessions: SessionRepository,
    private readonly failures: SignInFailureRepository,
    private readonly audit: AuditRepository,
    @InjectConfig() config: SupportConsoleConfig,
    @InjectLogger() private readonly logger: Logger,
  ) {
    this.sessionPolicy = { idleSeconds: config.SESSION_IDLE_SECONDS, maxSeconds: config.SESSION_MAX_SECONDS };
    this.throttlePolicy = {
      maxFailures: config.SIGN_IN_MAX_FAILURES,
      windowSeconds: config.SIGN_IN_WINDOW_SECONDS,
    };
  }

  async signIn(
    loginInput: string,
    password: string,
    address: string,
    now = new Date(),
  ): Promise<SignInOutcome> {
    const login = normaliseLogin(loginInput).slice(0, 64);
    // The limit is checked before the password, so a throttled guess learns nothing.
    const verdict = throttleVerdict(
      await this.failures.recent(login, address, this.throttlePolicy.windowSeconds),
      this.throttlePolicy,
      now,
    );
    if (!verdict.allowed) {
      this.logger.warn({ login, address }, 'sign-in throttled');
      return { kind: 'THROTTLED', retryAfterSeconds: verdict.retryAfterSeconds };
    }
    const account = LOGIN_PATTERN.test(login) ? await this.staff.byLogin(login) : undefined;
    const matches = await verifyPassword(password, account?.password_hash ?? (await dummyHash()));
    if (!account || !matches || account.disabled_at) {
      await this.failures.record(login, address);
      await this.audit.append({
        staffId: account?.id,
        login: login || '-',
        action: AuditAction.SIGN_IN_FAILED,
        address,
      });
      return { kind: 'INVALID' };
    }
    await this.failures.clear(login, this.throttlePolicy.windowSeconds);
    await this.sessions.deleteExpired(now, this.sessionPolicy.idleSeconds);
    const token = newToken();
    const staff: SignedIn = {
      staffId: account.id,
      login,
      csrfToken: newToken(),
      tokenHash: tokenHash(token),
    };
    await this.sessions.create({
      tokenHash: staff.tokenHash,
      staffId: account.id,
      csrfToken: staff.csrfToken,
      expiresAt: new Date(now.getTime() + this.sessionPolicy.maxSeconds * 1000),
    });
    await this.audit.append({ staffId: account.id, login, action: AuditAction.SIGN_IN, address });
    return { kind: 'SIGNED_IN', token, staff };
  }

  /** The session behind a cookie's token, or undefined (unknown, expired, idle too long, account disabled). */
  async authenticate(token: string | undefined, now = new Date()): Promise<SignedIn | undefined> {
    if (!token || token.length > 100) return undefined;
    const hash = tokenHash(token);
    const session = await this.sessions.find(hash);
    if (!session) return undefined;
    const state = sessionState(
      { createdAt: session.created_at, lastSeenAt: session.last_seen_at },
      now,
      this.sessionPolicy,
    );
    if (state !== 'ACTIVE' || session.disabled_at) {
      await this.sessions.delete(hash);
      return undefined;
    }
    await this.sessions.touch(hash, now);
    return {
      staffId: session.staff_id,
      login: session.login,
      csrfToken: session.csrf_token,
      tokenHash: hash,
    };
  }

  async signOut(staff: SignedIn, address: string): Promise<void> {
    await this.sessions.delete(staff.tokenHash);
    await this.audit.append({
      staffId: staff.staffId,
      login: staff.login,
      action: AuditAction.SIGN_OUT,
      address,
    });
  }
}
