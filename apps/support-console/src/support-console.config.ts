import { IsIn, IsInt, IsString, Matches, Max, Min } from 'class-validator';
import { BaseServiceConfig, IsSecret, LOCAL_SECRETS, loadConfig, toInt } from '@app/platform';

export class SupportConsoleConfig extends BaseServiceConfig {
  override PORT = 3006;
  /** The console's service credential for the resolver's support API (contract §10). Staff never see it. */
  @IsSecret() SUPPORT_TOKEN: string = LOCAL_SECRETS.SUPPORT_TOKEN;
  @IsString() @Matches(/^https?:\/\/[^\s/]+$/) RESOLVER_URL = 'http://127.0.0.1:3001';
  @toInt() @IsInt() @Min(100) @Max(60_000) RESOLVER_TIMEOUT_MS = 5000;
  /** A session ends after this long without a request... */
  @toInt() @IsInt() @Min(1) @Max(86_400) SESSION_IDLE_SECONDS = 30 * 60;
  /** ...and this long after sign-in in any case. */
  @toInt() @IsInt() @Min(1) @Max(7 * 86_400) SESSION_MAX_SECONDS = 8 * 3600;
  /** Failed sign-ins of one login allowed in the window; an address may fail four times as often. */
  @toInt() @IsInt() @Min(1) @Max(100) SIGN_IN_MAX_FAILURES = 5;
  @toInt() @IsInt() @Min(1) @Max(86_400) SIGN_IN_WINDOW_SECONDS = 15 * 60;
  /** `auto`: Secure cookies in production only (local mode is plain http on 127.0.0.1). */
  @IsIn(['auto', 'true', 'false']) COOKIE_SECURE: 'auto' | 'true' | 'false' = 'auto';

  get secureCookies(): boolean {
    return this.COOKIE_SECURE === 'auto' ? this.isProduction : this.COOKIE_SECURE === 'true';
  }
}

export const loadSupportConsoleConfig = (env?: Record<string, string | undefined>) =>
  loadConfig(SupportConsoleConfig, env, ['SUPPORT_TOKEN']);
