import { join } from 'node:path';
import { DEFAULT_MIXED, HAPPY_MIX, parseMix, type Mix } from './workload';
import { databaseName, portsFrom, type ProcessName } from './ports';

/** Every knob of `npm run bench`, read once from env (and `--running` / `--mixed` on the command line). */
export interface BenchOptions {
  root: string;
  runId: string;
  target: 'managed' | 'running';
  workload: 'happy' | 'mixed';
  mix: Mix;
  rates: number[];
  stepSeconds: number;
  drainSeconds: number;
  tickMs: number;
  /** After a step that left more than this share of its events without a terminal status: stop or go on. */
  onBehind: 'stop' | 'continue';
  behindShare: number;
  p99TargetMs: number;
  warmupEvents: number;
  warmupRate: number;
  idleSeconds: number;
  persons: number;
  history: number;
  relayMessages: number;
  ports: Record<ProcessName, number>;
  databaseUrl: string;
  freshDatabase: boolean;
  groupPrefix: string;
  /** Group prefix of the running system (BENCH_TARGET=running), to tell its groups from others'. */
  runningGroupPrefix: string;
  reportDelayMs: number;
  logLevel: string;
  nodeEnv: 'production' | 'development';
  timeoutSeconds: number;
  runDir: string;
  outDir: string;
  writeDocs: boolean;
  docsDir: string;
}

export const HELP = `npm run bench [-- --running] [-- --mixed]

Open-loop load at a ladder of fixed rates against the deployed shape (every app its own process), next
to a raw kafkajs relay over the same hops. Env (defaults in brackets):
  BENCH_TARGET          managed | running [managed]: start every app as a child process on ports of its
                        own, or use an npm start already running (--running)
  BENCH_WORKLOAD        happy | mixed [happy] (--mixed); BENCH_MIX weights [${mixText(DEFAULT_MIXED)}]
  BENCH_RATES           events/s per step [50,100,200,500,1000,1500,2000]
  BENCH_STEP_SECONDS    load per step [60]; BENCH_DRAIN_SECONDS bound on the wait after it [30]
  BENCH_ON_BEHIND       stop | continue [stop] after a step leaving > BENCH_BEHIND_SHARE [0.2] of its
                        events without a terminal status after the drain
  BENCH_P99_TARGET_MS   for "highest rate with p99 within target" [1000]
  BENCH_WARMUP_EVENTS [200] at BENCH_WARMUP_RATE [50]; BENCH_IDLE_SECONDS idle CPU window [30, 0 skips]
  BENCH_PERSONS         subjects the events cycle through [1000]
  BENCH_HISTORY         notifications loaded into the tables before the ladder [0]
  BENCH_RELAY_MESSAGES  raw relay burst [20000, 0 skips]
  BENCH_PORT_BASE       managed: simulator at base, resolver base+1 ... slip renderer base+5 [4100];
                        running: unset = the contract ports (3001-3005, 3100)
  BENCH_DATABASE_URL    managed: the bench's own database, dropped and created per run [DATABASE_URL's
                        server, database <name>_bench]; BENCH_FRESH_DB=0 keeps it
  BENCH_REPORT_DELAY_MS managed: provider report delays (simulator, Diia stub) [0]
  BENCH_LOG_LEVEL [info]  BENCH_NODE_ENV production | development [production, random secrets]
  BENCH_TIMEOUT_S       overall bound [3600]; BENCH_TICK_MS scheduler tick [10]
  BENCH_DOCS=0          do not write docs/bench/bench.svg and docs/bench/latest.json
Apps inherit the rest of the environment, as under npm start (e.g. KAFKA_PARTITIONS_CONCURRENCY).`;

function mixText(mix: Mix): string {
  return Object.entries(mix)
    .map(([name, weight]) => `${name}:${weight}`)
    .join(',');
}

type Env = Record<string, string | undefined>;

const number = (
  env: Env,
  name: string,
  fallback: number,
  check: (value: number) => boolean,
  rule: string,
) => {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || !check(value)) throw new Error(`${name} must be ${rule} (got "${raw}")`);
  return value;
};
const positive = (env: Env, name: string, fallback: number) =>
  number(env, name, fallback, (value) => value > 0, 'a positive number');
const nonNegative = (env: Env, name: string, fallback: number) =>
  number(env, name, fallback, (value) => value >= 0 && Number.isInteger(value), 'a non-negative integer');
const oneOf = <T extends string>(env: Env, name: string, values: readonly T[], fallback: T): T => {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!values.includes(raw as T))
    throw new Error(`${name} must be one of ${values.join(', ')} (got "${raw}")`);
  return raw as T;
};

export function parseRates(text: string): number[] {
  const rates = text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
    .map(Number);
  if (rates.length === 0 || rates.some((rate) => !(rate > 0)))
    throw new Error(`BENCH_RATES must be positive numbers separated by commas (got "${text}")`);
  return rates;
}

/**
 * The bench's database: managed runs drop and recreate it, so it must be one of the bench's own (its
 * name ends in `_bench`). Default: DATABASE_URL's server with `<name>_bench` (or the name itself if it
 * already ends so).
 */
export function benchDatabaseUrl(env: Env): string {
  const explicit = env.BENCH_DATABASE_URL;
  const base = env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/esoz_notify';
  const url = new URL(explicit || base);
  if (!explicit) {
    const name = databaseName(base);
    if (!name.endsWith('_bench')) url.pathname = `/${name}_bench`;
  }
  if (!/^[a-z0-9_]+_bench$/.test(databaseName(url.toString())))
    throw new Error(
      `the bench drops and recreates its database, so its name must end in _bench (got "${databaseName(url.toString())}")`,
    );
  return url.toString();
}

export function parseOptions(env: Env, argv: string[], root: string, now = new Date()): BenchOptions {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  const runId = `bench-${stamp}`;
  const target = argv.includes('--running')
    ? 'running'
    : oneOf(env, 'BENCH_TARGET', ['managed', 'running'], 'managed');
  const workload = argv.includes('--mixed')
    ? 'mixed'
    : oneOf(env, 'BENCH_WORKLOAD', ['happy', 'mixed'], 'happy');
  const portBase = env.BENCH_PORT_BASE
    ? number(
        env,
        'BENCH_PORT_BASE',
        0,
        (value) => Number.isInteger(value) && value > 0 && value < 65530,
        'a port',
      )
    : target === 'managed'
      ? 4100
      : undefined;
  const outDir = join(root, '.run/bench');
  return {
    root,
    runId,
    target,
    workload,
    mix: workload === 'happy' ? HAPPY_MIX : env.BENCH_MIX ? parseMix(env.BENCH_MIX) : DEFAULT_MIXED,
    rates: parseRates(env.BENCH_RATES || '50,100,200,500,1000,1500,2000'),
    stepSeconds: positive(env, 'BENCH_STEP_SECONDS', 60),
    drainSeconds: number(env, 'BENCH_DRAIN_SECONDS', 30, (value) => value >= 0, 'a non-negative number'),
    tickMs: positive(env, 'BENCH_TICK_MS', 10),
    onBehind: oneOf(env, 'BENCH_ON_BEHIND', ['stop', 'continue'], 'stop'),
    behindShare: number(
      env,
      'BENCH_BEHIND_SHARE',
      0.2,
      (value) => value >= 0 && value <= 1,
      'between 0 and 1',
    ),
    p99TargetMs: positive(env, 'BENCH_P99_TARGET_MS', 1000),
    warmupEvents: nonNegative(env, 'BENCH_WARMUP_EVENTS', 200),
    warmupRate: positive(env, 'BENCH_WARMUP_RATE', 50),
    idleSeconds: number(env, 'BENCH_IDLE_SECONDS', 30, (value) => value >= 0, 'a non-negative number'),
    persons: Math.max(1, nonNegative(env, 'BENCH_PERSONS', 1000)),
    history: nonNegative(env, 'BENCH_HISTORY', 0),
    relayMessages: nonNegative(env, 'BENCH_RELAY_MESSAGES', 20_000),
    ports: portsFrom(portBase),
    databaseUrl:
      target === 'managed'
        ? benchDatabaseUrl(env)
        : env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/esoz_notify',
    freshDatabase: env.BENCH_FRESH_DB !== '0',
    groupPrefix: runId,
    runningGroupPrefix: env.KAFKA_GROUP_PREFIX || 'esoz-notify',
    reportDelayMs: nonNegative(env, 'BENCH_REPORT_DELAY_MS', 0),
    logLevel: oneOf(
      env,
      'BENCH_LOG_LEVEL',
      ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'],
      'info',
    ),
    nodeEnv: oneOf(env, 'BENCH_NODE_ENV', ['production', 'development'], 'production'),
    timeoutSeconds: positive(env, 'BENCH_TIMEOUT_S', 3600),
    runDir: join(outDir, runId),
    outDir,
    writeDocs: env.BENCH_DOCS !== '0',
    docsDir: join(root, 'docs/bench'),
  };
}
