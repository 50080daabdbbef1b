import { IsInt, IsNumber, IsString, IsUrl, Matches, Max, Min } from 'class-validator';
import { BaseAppConfig, ConfigError, IsSecret, LOCAL_SECRETS, loadConfig, toInt } from '@app/platform';
import { parseSmsProviders, type WeightedProvider } from '@app/providers';
import { Transform } from 'class-transformer';

/** The SMS aggregators this sender has adapters for. */
export const SMS_PROVIDER_NAMES = ['turbosms', 'smsc'] as const;

/** Local default of the SMSC password (production must set its own). */
export const LOCAL_SMSC_PASSWORD = 'local-smsc-password';

export class SmsSenderConfig extends BaseAppConfig {
  override PORT = 3003;
  /**
   * The providers and their weights: `turbosms:70,smsc:30` sends 70 % of new messages through TurboSMS and
   * 30 % through SMSC, each failing over to the other; weight 0 is a standby (failover only).
   */
  @Matches(/^[a-z0-9:,\s-]{1,200}$/) SMS_PROVIDERS = 'turbosms:100';

  // TurboSMS (the names predate the second provider).
  @IsUrl({ require_tld: false }) PROVIDER_BASE_URL = 'http://127.0.0.1:3100';
  @IsSecret() PROVIDER_TOKEN: string = LOCAL_SECRETS.PROVIDER_TOKEN;
  @IsSecret() WEBHOOK_SECRET: string = LOCAL_SECRETS.WEBHOOK_SECRET;

  // SMSC.ua
  @IsUrl({ require_tld: false }) SMSC_BASE_URL = 'http://127.0.0.1:3100';
  @IsString() @Matches(/^[\w.@-]{1,64}$/) SMSC_LOGIN = 'esoz-notify';
  @IsSecret() SMSC_PASSWORD: string = LOCAL_SMSC_PASSWORD;
  /** Key of the status-callback signature (`X-Signature`) on `POST /webhooks/smsc`. */
  @IsSecret() SMSC_WEBHOOK_SECRET: string = LOCAL_SECRETS.WEBHOOK_SECRET;

  /** Alpha name registered with the operators (3–11 Latin letters or digits), the same at every provider. */
  @IsString() SMS_SENDER_NAME = 'eHealth';
  @toInt() @IsInt() @Min(100) @Max(30000) PROVIDER_TIMEOUT_MS = 5000;
  @toInt() @IsInt() @Min(1) @Max(3600) CODE_REPORT_TIMEOUT_SECONDS = 300;
  @toInt() @IsInt() @Min(1) @Max(86400) REPORT_TIMEOUT_SECONDS = 3600;
  /** Retries of a provider outage (5xx, 429, timeouts) before FAILED, unless the code expires first. */
  @toInt() @IsInt() @Min(1) @Max(100) SMS_MAX_ATTEMPTS = 12;
  @toInt() @IsInt() @Min(1) @Max(3600) SMS_MAX_BACKOFF_SECONDS = 60;

  // Provider health (docs/decisions/0004-sms-provider-failover.md).
  /** Consecutive failed calls (5xx, time-outs, unreachable) that take a provider out. */
  @toInt() @IsInt() @Min(1) @Max(100) SMS_PROVIDER_FAILURE_THRESHOLD = 2;
  /** Pause before the first probe of a provider taken out; doubled after each failed probe. */
  @toInt() @IsInt() @Min(1) @Max(3600) SMS_PROVIDER_COOLDOWN_SECONDS = 10;
  @toInt() @IsInt() @Min(1) @Max(86400) SMS_PROVIDER_MAX_COOLDOWN_SECONDS = 300;
  /** A message without a decisive report this long after acceptance counts as a missing report. */
  @toInt() @IsInt() @Min(5) @Max(86400) SMS_PROVIDER_REPORT_SILENCE_SECONDS = 120;
  /** Missing reports (at least half of those due) that take a provider out. */
  @toInt() @IsInt() @Min(1) @Max(10000) SMS_PROVIDER_MISSING_REPORTS = 5;
  @Transform(({ value }) => (value === undefined || value === '' ? undefined : Number(value)))
  @IsNumber()
  @Min(0.01)
  @Max(1)
  SMS_PROVIDER_MISSING_REPORT_SHARE = 0.5;

  /** SMS_PROVIDERS, parsed (validated at load). */
  get smsProviders(): WeightedProvider[] {
    return parseSmsProviders(this.SMS_PROVIDERS, SMS_PROVIDER_NAMES);
  }
}

export function loadSmsSenderConfig(env?: Record<string, string | undefined>): SmsSenderConfig {
  const config = loadConfig(SmsSenderConfig, env, ['PROVIDER_TOKEN', 'WEBHOOK_SECRET']);
  let providers: WeightedProvider[];
  try {
    providers = config.smsProviders;
  } catch (error) {
    throw new ConfigError([(error as Error).message]);
  }
  const problems: string[] = [];
  if (config.SMS_PROVIDER_MAX_COOLDOWN_SECONDS < config.SMS_PROVIDER_COOLDOWN_SECONDS)
    problems.push('SMS_PROVIDER_MAX_COOLDOWN_SECONDS (below SMS_PROVIDER_COOLDOWN_SECONDS)');
  // SMSC's secrets are required in production only when SMSC is one of the providers.
  if (config.isProduction && providers.some((p) => p.name === 'smsc')) {
    const source = env ?? process.env;
    const local = new Set<string>([...Object.values(LOCAL_SECRETS), LOCAL_SMSC_PASSWORD]);
    for (const key of ['SMSC_PASSWORD', 'SMSC_WEBHOOK_SECRET'] as const)
      if (source[key] === undefined || local.has(config[key]))
        problems.push(`${key} (required in production)`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
