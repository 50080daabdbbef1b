import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AppName, FaultPlanOptions } from './faults';

export type PortMap = Record<AppName | 'provider-simulator', number>;

export type KafkaSetup =
  /** The harness starts (and stops) the 3-node cluster of scripts/kafka.sh in a state dir of its own. */
  | {
      mode: 'cluster';
      ports: number[];
      stateDir: string;
      replicationFactor: number;
      minInsyncReplicas: number;
    }
  /** A broker someone else runs (npm test's); topics already exist. */
  | { mode: 'external'; brokers: string[] };

export interface ChaosOptions {
  /** `chaos` or `chaos-lite`: names the log and report directory under .run/. */
  name: string;
  root: string;
  runId: string;
  seed: number;
  events: number;
  ratePerSecond: number;
  republishShare: number;
  codeTtlSeconds: number;
  kafka: KafkaSetup;
  /** The run's own database: dropped and created again at the start. */
  databaseUrl: string;
  groupPrefix: string;
  ports: PortMap;
  faults: FaultPlanOptions;
  /** Per-app env on top of the shared settings (short timeouts so fallbacks happen within the run). */
  appEnv: Record<AppName | 'provider-simulator', Record<string, string>>;
  /** After the last event: how long every event may take to reach a terminal status. */
  drainTimeoutMs: number;
  /** The whole run, start-up to report; then it stops, reports what it has, and cleans up. */
  overallTimeoutMs: number;
  /** Logs of this run (apps, infrastructure). */
  runDir: string;
  /** report-<timestamp>.{json,txt} go here. */
  reportDir: string;
  print: (line: string) => void;
}

const int = (env: NodeJS.ProcessEnv, name: string, fallback: number): number => {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
};

/** Short timeouts so every fallback happens well within a run (the defaults are minutes). */
const APP_ENV: ChaosOptions['appEnv'] = {
  resolver: { DIIA_ENABLED: 'true', PERSON_WAIT_SECONDS: '60' },
  'viber-sender': {
    CODE_REPORT_TIMEOUT_SECONDS: '5',
    REPORT_TIMEOUT_SECONDS: '8',
    PROVIDER_TIMEOUT_MS: '5000',
  },
  'sms-sender': {
    // Both aggregators: the run also checks that no SMS goes out twice across providers.
    SMS_PROVIDERS: 'turbosms:70,smsc:30',
    CODE_REPORT_TIMEOUT_SECONDS: '20',
    REPORT_TIMEOUT_SECONDS: '30',
    SMS_MAX_BACKOFF_SECONDS: '5',
    PROVIDER_TIMEOUT_MS: '5000',
  },
  'diia-push-stub': {
    CODE_REPORT_TIMEOUT_SECONDS: '5',
    REPORT_TIMEOUT_SECONDS: '8',
    STUB_REPORT_DELAY_MS: '300',
  },
  'info-slip-renderer': {},
  'provider-simulator': { REPORT_DELAY_MS: '300' },
};

const stamp = () => new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');

/**
 * `npm run chaos`: the 3-broker cluster (RF 3, min ISR 2), ~3000 events, every fault kind. Env:
 * CHAOS_EVENTS (3000), CHAOS_RATE (events/s, 25), CHAOS_SEED, CHAOS_TIMEOUT_S (900), CHAOS_DRAIN_TIMEOUT_S
 * (300), CHAOS_DATABASE_URL (postgres://postgres@127.0.0.1:5432/esoz_notify_chaos), CHAOS_KAFKA_PORTS
 * ("19092 29092 39092"), CHAOS_PORT_BASE (23000: apps on +1..+5, simulator on +100).
 */
export function fullRunOptions(env: NodeJS.ProcessEnv = process.env, root = repoRoot()): ChaosOptions {
  const runId = `chaos-${stamp()}`;
  const base = int(env, 'CHAOS_PORT_BASE', 23000);
  const runsDir = join(root, '.run/chaos');
  return {
    name: 'chaos',
    root,
    runId,
    seed: int(env, 'CHAOS_SEED', Math.floor(Math.random() * 2 ** 31)),
    events: int(env, 'CHAOS_EVENTS', 3000),
    ratePerSecond: int(env, 'CHAOS_RATE', 25),
    republishShare: 0.02,
    codeTtlSeconds: 240,
    kafka: {
      mode: 'cluster',
      ports: (env.CHAOS_KAFKA_PORTS ?? '19092 29092 39092')
        .split(/[\s,]+/)
        .filter(Boolean)
        .map(Number),
      // Not the default .kafka/cluster: the harness wipes its cluster's data at every start.
      stateDir: join(root, '.kafka/chaos'),
      replicationFactor: 3,
      minInsyncReplicas: 2,
    },
    databaseUrl: env.CHAOS_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/esoz_notify_chaos',
    groupPrefix: `esoz-notify-chaos.${runId}`,
    ports: portsFrom(base),
    faults: {
      appKills: {
        resolver: 2,
        'viber-sender': 2,
        'sms-sender': 2,
        'diia-push-stub': 1,
        'info-slip-renderer': 1,
      },
      restartDelayS: [1, 3],
      brokerKill: { downS: 15 },
      outages: [
        { name: 'sms-5xx', durationS: 10 },
        { name: 'viber-5xx', durationS: 10 },
        { name: 'slow-answers', durationS: 10, latencyMs: 3000 },
        // Longer than the senders' PROVIDER_TIMEOUT_MS (5000): their calls time out.
        { name: 'timeouts', durationS: 8, latencyMs: 6000 },
      ],
      postgresRestart: true,
      window: [0.05, 0.9],
    },
    appEnv: APP_ENV,
    drainTimeoutMs: int(env, 'CHAOS_DRAIN_TIMEOUT_S', 300) * 1000,
    overallTimeoutMs: int(env, 'CHAOS_TIMEOUT_S', 900) * 1000,
    runDir: join(runsDir, runId),
    reportDir: runsDir,
    print: (line) => console.log(line),
  };
}

/**
 * The fast subset for `npm test`: the test broker (single, RF 1), ~300 events, one SIGKILL of
 * viber-sender, one SMS outage window.
 */
export function liteRunOptions(env: NodeJS.ProcessEnv = process.env, root = repoRoot()): ChaosOptions {
  const runId = `chaos-lite-${stamp()}`;
  const runsDir = join(root, '.run/chaos-lite');
  return {
    name: 'chaos-lite',
    root,
    runId,
    seed: int(env, 'CHAOS_SEED', Math.floor(Math.random() * 2 ** 31)),
    events: int(env, 'CHAOS_LITE_EVENTS', 300),
    ratePerSecond: 20,
    republishShare: 0.02,
    codeTtlSeconds: 240,
    kafka: { mode: 'external', brokers: (env.KAFKA_BROKERS || '127.0.0.1:9192').split(',') },
    databaseUrl: env.CHAOS_LITE_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/esoz_notify_test_chaos',
    groupPrefix: `esoz-notify-test.${runId}`,
    ports: portsFrom(int(env, 'CHAOS_LITE_PORT_BASE', 24000)),
    faults: {
      appKills: { 'viber-sender': 1 },
      restartDelayS: [1, 3],
      outages: [{ name: 'sms-5xx', durationS: 8 }],
      postgresRestart: false,
      window: [0.25, 0.75],
    },
    appEnv: APP_ENV,
    drainTimeoutMs: 90_000,
    overallTimeoutMs: int(env, 'CHAOS_LITE_TIMEOUT_S', 170) * 1000,
    runDir: join(runsDir, runId),
    reportDir: runsDir,
    print: (line) => process.stdout.write(`${line}\n`),
  };
}

/** The checkout (from tools/chaos or dist/tools/chaos alike): the first parent with scripts/kafka.sh. */
export function repoRoot(from = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'scripts/kafka.sh')) && existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no checkout above ${from}`);
  }
}

function portsFrom(base: number): PortMap {
  return {
    resolver: base + 1,
    'viber-sender': base + 2,
    'sms-sender': base + 3,
    'diia-push-stub': base + 4,
    'info-slip-renderer': base + 5,
    'provider-simulator': base + 100,
  };
}
