import { plainToInstance, Transform } from 'class-transformer';
import { IsIn, IsInt, IsNotEmpty, IsString, IsUrl, Max, Min, validateSync } from 'class-validator';

const LOCAL_PROVIDER_TOKEN = 'local-provider-token';
const LOCAL_WEBHOOK_SECRET = 'local-webhook-secret';
const LOCAL_SMSC_PASSWORD = 'local-smsc-password';

const toInt = () =>
  Transform(({ value }) => (value === undefined || value === '' ? undefined : Number(value)));
const callbackUrl = () => IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true });

/** The simulator's whole configuration, read from env once at boot (nothing else reads process.env). */
export class SimulatorConfig {
  @IsIn(['development', 'test', 'production']) NODE_ENV: 'development' | 'test' | 'production' =
    'development';
  @IsString() @IsNotEmpty() HOST = '127.0.0.1';
  @IsIn(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])
  LOG_LEVEL: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent' = 'info';
  @toInt() @IsInt() @Min(0) @Max(65535) PORT = 3100;
  /** Bearer token the senders must present, like a real aggregator account token. */
  @IsString() @IsNotEmpty() PROVIDER_TOKEN = LOCAL_PROVIDER_TOKEN;
  /** HMAC key for delivery-report webhooks; the senders verify with the same value. */
  @IsString() @IsNotEmpty() WEBHOOK_SECRET = LOCAL_WEBHOOK_SECRET;
  @callbackUrl() VIBER_CALLBACK_URL = 'http://127.0.0.1:3002/webhooks/turbosms';
  @callbackUrl() SMS_CALLBACK_URL = 'http://127.0.0.1:3003/webhooks/turbosms';
  /** SMSC.ua account of the sms-sender: `login` and `psw` of every /sys/*.php call. */
  @IsString() @IsNotEmpty() SMSC_LOGIN = 'esoz-notify';
  @IsString() @IsNotEmpty() SMSC_PASSWORD = LOCAL_SMSC_PASSWORD;
  /** Where SMSC status callbacks go (the "status handler" URL of the SMSC account), signed with SMSC_WEBHOOK_SECRET. */
  @callbackUrl() SMSC_CALLBACK_URL = 'http://127.0.0.1:3003/webhooks/smsc';
  @IsString() @IsNotEmpty() SMSC_WEBHOOK_SECRET = LOCAL_WEBHOOK_SECRET;
  /** How long after acceptance the delivery report is produced. */
  @toInt() @IsInt() @Min(0) @Max(600_000) REPORT_DELAY_MS = 300;
  /** Accepted messages kept for status.json and the control API; older ones are forgotten. */
  @toInt() @IsInt() @Min(100) @Max(10_000_000) MAX_MESSAGES = 50_000;
}

export class SimulatorConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid provider-simulator configuration: ${problems.join('; ')}`);
    this.name = 'SimulatorConfigError';
  }
}

/**
 * Validates the env. Problems name variables and rules, never values (two of them are secrets). As with the
 * other apps (architecture.md §10), production refuses the local default secrets.
 */
export function loadSimulatorConfig(env: Record<string, string | undefined> = process.env): SimulatorConfig {
  const known = Object.keys(new SimulatorConfig());
  const present = Object.fromEntries(
    Object.entries(env).filter(([key, value]) => value !== undefined && known.includes(key)),
  );
  const config = plainToInstance(SimulatorConfig, present, { exposeDefaultValues: true });
  const problems = validateSync(config).map(
    (error) => `${error.property} (${Object.keys(error.constraints ?? {}).join(',')})`,
  );
  if (config.NODE_ENV === 'production') {
    if (config.PROVIDER_TOKEN === LOCAL_PROVIDER_TOKEN)
      problems.push('PROVIDER_TOKEN (required in production)');
    if (config.WEBHOOK_SECRET === LOCAL_WEBHOOK_SECRET)
      problems.push('WEBHOOK_SECRET (required in production)');
    if (config.SMSC_PASSWORD === LOCAL_SMSC_PASSWORD) problems.push('SMSC_PASSWORD (required in production)');
    if (config.SMSC_WEBHOOK_SECRET === LOCAL_WEBHOOK_SECRET)
      problems.push('SMSC_WEBHOOK_SECRET (required in production)');
  }
  if (problems.length > 0) throw new SimulatorConfigError(problems);
  return config;
}
