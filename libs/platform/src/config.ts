import { plainToInstance, Transform, type ClassConstructor } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min, validateSync } from 'class-validator';

/** Local-mode defaults of contract §10; production refuses to start without real values. */
export const LOCAL_SECRETS = {
  MIS_TOKEN: 'local-mis-token',
  SUPPORT_TOKEN: 'local-support-token',
  WEBHOOK_SECRET: 'local-webhook-secret',
  PROVIDER_TOKEN: 'local-provider-token',
  // 32 bytes, base64. Local only: production must set CODE_ENCRYPTION_KEY.
  CODE_ENCRYPTION_KEY: 'bG9jYWwtb25seS1lc296LW5vdGlmeS1jb2RlLWtleSE=',
  // Key of the support search's phone hashes (HMAC-SHA256). Local only: production must set SUPPORT_SEARCH_KEY.
  SUPPORT_SEARCH_KEY: 'local-support-search-key',
} as const;

export const toInt = () =>
  Transform(({ value }) => (value === undefined || value === '' ? undefined : Number(value)));
export const toBool = () =>
  Transform(({ value }) =>
    value === undefined || value === ''
      ? undefined
      : ['1', 'true', 'yes'].includes(String(value).toLowerCase()),
  );
export const toList = () =>
  Transform(({ value }) =>
    typeof value === 'string'
      ? value
          .split(',')
          .map((item) => item.trim())
          .filter(Boolean)
      : value,
  );

/** A token or shared secret: a string long enough that an empty or trivial value never passes. */
export const IsSecret = (): PropertyDecorator => (target, key) => {
  IsString()(target, key);
  Length(12, 512)(target, key);
};

/** Settings of every service with an HTTP port and the database, whether or not it uses Kafka. */
export class BaseServiceConfig {
  @IsIn(['development', 'test', 'production']) NODE_ENV: 'development' | 'test' | 'production' =
    'development';
  @IsString() HOST = '127.0.0.1';
  @toInt() @IsInt() @Min(0) @Max(65535) PORT!: number;
  @IsIn(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']) LOG_LEVEL = 'info';
  @IsString() DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/esoz_notify';
  @toInt() @IsInt() @Min(2) @Max(200) DATABASE_POOL_SIZE = 10;
  @IsOptional() @Matches(/^[a-z0-9-]+$/) INSTANCE_ID?: string;

  get isProduction(): boolean {
    return this.NODE_ENV === 'production';
  }
}

/** Settings every pipeline app shares. Each app extends this with its own fields; nothing else reads process.env. */
export class BaseAppConfig extends BaseServiceConfig {
  @toList() @IsString({ each: true }) KAFKA_BROKERS: string[] = ['127.0.0.1:9092'];
  @IsString() KAFKA_CLIENT_ID_SUFFIX = '';
  /** Consumer groups are `<prefix>.<app>`; tests use their own prefix so they never steal a running system's messages. */
  @Matches(/^[a-zA-Z0-9._-]+$/) KAFKA_GROUP_PREFIX = 'esoz-notify';
  @toInt() @IsInt() @Min(1) @Max(64) KAFKA_PARTITIONS_CONCURRENCY = 3;
  @IsString() @Length(44, 44) CODE_ENCRYPTION_KEY: string = LOCAL_SECRETS.CODE_ENCRYPTION_KEY;
  /** Codes and slips of terminal notifications are purged after this many hours. */
  @toInt() @IsInt() @Min(1) RETENTION_HOURS = 24 * 30;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads and validates one app's configuration once at boot. Problems name variables and rules, never values
 * (they may be secrets). `secretsRequiredInProduction` lists fields that must not keep a local default.
 */
export function loadConfig<T extends BaseServiceConfig>(
  cls: ClassConstructor<T>,
  env: Record<string, string | undefined> = process.env,
  secretsRequiredInProduction: (keyof T & string)[] = [],
): T {
  const known = Object.keys(new cls());
  const present = Object.fromEntries(
    Object.entries(env).filter(
      ([key, value]) => value !== undefined && (known.includes(key) || key === 'PORT'),
    ),
  );
  const config = plainToInstance(cls, present, { exposeDefaultValues: true });
  const problems = validateSync(config).map(
    (error) => `${error.property} (${Object.keys(error.constraints ?? {}).join(',')})`,
  );
  if (config.isProduction) {
    const localDefaults = new Set<string>(Object.values(LOCAL_SECRETS));
    const required = [
      ...('CODE_ENCRYPTION_KEY' in config ? ['CODE_ENCRYPTION_KEY'] : []),
      ...secretsRequiredInProduction,
    ] as (keyof T & string)[];
    for (const key of required) {
      if (env[key] === undefined || localDefaults.has(String(config[key])))
        problems.push(`${key} (required in production)`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
