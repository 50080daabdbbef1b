import { IsInt, IsString, IsUrl, Max, Min } from 'class-validator';
import { BaseAppConfig, IsSecret, LOCAL_SECRETS, loadConfig, toInt } from '@app/platform';

export class ViberSenderConfig extends BaseAppConfig {
  override PORT = 3002;
  /** TurboSMS-compatible aggregator; `npm start` points this at the local provider simulator. */
  @IsUrl({ require_tld: false }) PROVIDER_BASE_URL = 'http://127.0.0.1:3100';
  @IsSecret() PROVIDER_TOKEN: string = LOCAL_SECRETS.PROVIDER_TOKEN;
  @IsString() VIBER_SENDER_NAME = 'eHealth';
  @IsSecret() WEBHOOK_SECRET: string = LOCAL_SECRETS.WEBHOOK_SECRET;
  @toInt() @IsInt() @Min(100) @Max(30000) PROVIDER_TIMEOUT_MS = 5000;
  /** Wait for a Viber report on messages with a code, then fall back to SMS. */
  @toInt() @IsInt() @Min(1) @Max(3600) CODE_REPORT_TIMEOUT_SECONDS = 30;
  @toInt() @IsInt() @Min(1) @Max(86400) REPORT_TIMEOUT_SECONDS = 300;
}

export const loadViberSenderConfig = (env?: Record<string, string | undefined>) =>
  loadConfig(ViberSenderConfig, env, ['PROVIDER_TOKEN', 'WEBHOOK_SECRET']);
