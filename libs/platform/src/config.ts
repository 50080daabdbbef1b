import { plainToInstance, Transform, type ClassConstructor } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsString, Length, Matches, Max, Min, validateSync } from 'class-validator';

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
  /**
   * Parameterised queries as named prepared statements, planned once per connection (ADR 0007). Turn off
   * behind a pooler that cannot keep them (PgBouncer in transaction mode before 1.21).
   */
  @toBool() @IsBoolean() DATABASE_PREPARED_STATEMENTS = true;
  /** Names this replica (pod name, `viber-sender-2` locally): Kafka client id suffix when KAFKA_CLIENT_ID_SUFFIX is unset. */
  @Matches(/^[a-z0-9-]{0,63}$/) INSTANCE_ID = '';

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
  /** Put before every topic name (contract §11.5), so two systems can share one broker. */
  @Matches(/^[a-zA-Z0-9._-]*$/) KAFKA_TOPIC_PREFIX = '';
  @toInt() @IsInt() @Min(1) @Max(64) KAFKA_PARTITIONS_CONCURRENCY = 3;
  /**
   * Consumer-group timing, chosen for crash failover in seconds (ADR 0005, docs/operations.md "Failover"):
   * - session 6 s: a SIGKILLed member is dropped 6 s after its last heartbeat, so its partitions are
   *   consumed elsewhere within ~7-8 s (target 10 s). 6 s is the broker's default floor
   *   (`group.min.session.timeout.ms`); lower values are refused by the broker.
   * - heartbeat 1 s: survivors learn of a rebalance on their next heartbeat, so their own partitions pause
   *   for about one interval plus a JoinGroup/SyncGroup round trip (target < 2 s). kafkajs heartbeats
   *   between fetches, so an idle fetch must not wait longer than this (KAFKA_MAX_WAIT_MS).
   * - rebalance 10 s: how long the coordinator waits for every member to rejoin. A member stuck in a long
   *   batch for longer is dropped instead of stalling the whole group (the default 60 s would).
   */
  @toInt() @IsInt() @Min(1000) @Max(300_000) KAFKA_SESSION_TIMEOUT_MS = 6000;
  @toInt() @IsInt() @Min(100) @Max(60_000) KAFKA_HEARTBEAT_INTERVAL_MS = 1000;
  @toInt() @IsInt() @Min(1000) @Max(600_000) KAFKA_REBALANCE_TIMEOUT_MS = 10_000;
  /** An idle fetch is answered after this long; data is returned as soon as it is there. */
  @toInt() @IsInt() @Min(10) @Max(5000) KAFKA_MAX_WAIT_MS = 1000;
  /** Offsets are committed at most this often (effects are durable first; a crash replays the rest). */
  @toInt() @IsInt() @Min(0) @Max(60_000) KAFKA_COMMIT_INTERVAL_MS = 1000;
  /**
   * Committed messages wait this long for others before a produce request goes out (Kafka's own producer
   * default since 4.0 is 5 ms). At low rates every message otherwise pays for its own produce request, its
   * own fetch response downstream and its own statement at the next hop; 0 sends at once.
   */
  @toInt() @IsInt() @Min(0) @Max(1000) KAFKA_LINGER_MS = 5;
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
  if (
    config instanceof BaseAppConfig &&
    config.KAFKA_HEARTBEAT_INTERVAL_MS * 3 > config.KAFKA_SESSION_TIMEOUT_MS
  )
    problems.push('KAFKA_HEARTBEAT_INTERVAL_MS (at most a third of KAFKA_SESSION_TIMEOUT_MS)');
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
