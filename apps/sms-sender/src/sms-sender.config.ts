import { IsInt, IsString, IsUrl, Max, Min } from 'class-validator';
import { BaseAppConfig, IsSecret, LOCAL_SECRETS, loadConfig, toInt } from '@app/platform';

export class SmsSenderConfig extends BaseAppConfig {
  override PORT = 3003;
  @IsUrl({ require_tld: false }) PROVIDER_BASE_URL = 'http://127.0.0.1:3100';
  @IsSecret() PROVIDER_TOKEN: string = LOCAL_SECRETS.PROVIDER_TOKEN;
  /** Alpha name registered with the operators (3–11 Latin letters or digits). */
  @IsString() SMS_SENDER_NAME = 'eHealth';
  @IsSecret() WEBHOOK_SECRET: string = LOCAL_SECRETS.WEBHOOK_SECRET;
  @toInt() @IsInt() @Min(100) @Max(30000) PROVIDER_TIMEOUT_MS = 5000;
  @toInt() @IsInt() @Min(1) @Max(3600) CODE_REPORT_TIMEOUT_SECONDS = 300;
  @toInt() @IsInt() @Min(1) @Max(86400) REPORT_TIMEOUT_SECONDS = 3600;
  /** Retries of a provider outage (5xx, 429, timeouts) before FAILED, unless the code expires first. */
  @toInt() @IsInt() @Min(1) @Max(100) SMS_MAX_ATTEMPTS = 12;
  @toInt() @IsInt() @Min(1) @Max(3600) SMS_MAX_BACKOFF_SECONDS = 60;
}

export const loadSmsSenderConfig = (env?: Record<string, string | undefined>) =>
  loadConfig(SmsSenderConfig, env, ['PROVIDER_TOKEN', 'WEBHOOK_SECRET']);
