import 'reflect-metadata';
import { cpus, loadavg } from 'node:os';
import { maskPhonesInText } from '@app/platform';
import { Cleanup } from './bench/cleanup';
import { benchRawRelay } from './bench/relay';
import { benchSlice, type BenchSettings } from './bench/slice';
import { RssSampler } from './bench/stats';
import { otherActiveGroups, toolKafka } from './lib/kafka';

/**
 * `npm run bench`: end-to-end throughput and latency of the slice (resolver → viber-sender → simulator →
 * status) against a raw kafkajs relay over the same three Kafka hops. Not a test: it prints numbers.
 * Env: BENCH_EVENTS (2000), BENCH_WARMUP (100), BENCH_PERSONS (200), BENCH_BATCH (200),
 * BENCH_IDLE_TIMEOUT_S (60: give up when nothing arrives for this long), BENCH_TIMEOUT_S (600 overall),
 * BENCH_REPORT_DELAY_MS (0: the simulator's REPORT_DELAY_MS).
 */

const int = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer`);
  return value;
};

async function main(settings: BenchSettings, cleanups: Cleanup[]): Promise<number> {
  const kafka = toolKafka('esoz-notify-bench');
  const rss = new RssSampler();
  const loadAtStart = loadavg().map((value) => Math.round(value * 100) / 100);
  const crowd = await otherConsumers(kafka, settings.runId);
  console.log(
    `bench ${settings.runId}: ${settings.events} events (+${settings.warmup} warm-up), ${settings.persons} persons, batches of ${settings.batchSize}`,
  );
  if (crowd.length > 0)
    console.log(
      `note: other consumer groups are active on this broker (${crowd.join(', ')}); a second system on the contract topics adds load and may double statuses`,
    );

  const sliceCleanup = new Cleanup(kafka);
  cleanups.push(sliceCleanup);
  console.log('slice: starting resolver, viber-sender, sms-sender and the simulator in-process...');
  const slice = await benchSlice(kafka, settings, rss, sliceCleanup).finally(() => sliceCleanup.run());

  const relayCleanup = new Cleanup(kafka);
  cleanups.push(relayCleanup);
  console.log('raw relay: three topics, two relays, one sink...');
  const relay = await benchRawRelay(kafka, settings, rss, relayCleanup).finally(() => relayCleanup.run());
  rss.stop();

  const result = {
    runId: settings.runId,
    settings: {
      events: settings.events,
      warmup: settings.warmup,
      persons: settings.persons,
      batchSize: settings.batchSize,
    },
    slice: {
      ...slice,
      config: {
        DIIA_ENABLED: false,
        REPORT_DELAY_MS: settings.reportDelayMs,
        LOG_LEVEL: 'warn',
        kafkaHops: 'requested → delivery.viber → status',
        inProcess: true,
      },
    },
    rawKafkajsRelay: relay,
    notes: [
      'Open loop: all events are produced as one burst (produceMs), so latency is mostly queueing behind the slowest stage; throughput is the number to compare, latency shows how long a burst of this size takes to drain.',
      'Throughput = events / (last DELIVERED − first produce). Latency = DELIVERED seen on esoz.notification.status.v1 − produce call, per event id, same clock.',
      ...(slice.crossTalk.eventsWithTwoDecisions > 0
        ? [
            `${slice.crossTalk.eventsWithTwoDecisions} events were also decided by another system consuming the contract topics on this broker: its work competed with ours and the numbers are not clean`,
          ]
        : []),
    ],
    process: {
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
      note: 'RSS is this one process: the apps, the simulator and the load generator all run in it',
      node: process.version,
      cpus: cpus().length,
      // The machine is shared: a busy box (load above the core count) slows the slice far more than the relay.
      loadAverage1m5m15m: {
        atStart: loadAtStart,
        atEnd: loadavg().map((value) => Math.round(value * 100) / 100),
      },
      otherActiveConsumerGroups: crowd,
    },
  };
  console.log(JSON.stringify(result, null, 2));
  console.log(summaryLine(slice, relay));
  const problems = [
    slice.missing > 0
      ? `slice: ${slice.missing} of ${slice.events} events got no DELIVERED status (${slice.missingDetail})`
      : '',
    relay.missing > 0 ? `raw relay: ${relay.missing} of ${relay.messages} messages did not arrive` : '',
  ].filter(Boolean);
  for (const problem of problems) console.error(`bench FAILED: ${problem}`);
  return problems.length > 0 ? 1 : 0;
}

type SliceResult = Awaited<ReturnType<typeof benchSlice>>;
type RelayResult = Awaited<ReturnType<typeof benchRawRelay>>;

function summaryLine(slice: SliceResult, relay: RelayResult): string {
  const ms = (value: number) => `${Math.round(value)} ms`;
  const latency = ({ latencyMs: l }: SliceResult | RelayResult) =>
    `p50 ${ms(l.p50)}, p95 ${ms(l.p95)}, p99 ${ms(l.p99)}, max ${ms(l.max)}`;
  return (
    `slice: ${slice.delivered}/${slice.events} events, ${slice.throughputPerSecond} ev/s, ${latency(slice)}, peak RSS ${slice.peakRssMiB} MiB` +
    ` (Viber reports: ${slice.reportsApplied.byWebhookWithin2s} by webhook, ${slice.reportsApplied.byStatusPoll} by poll` +
    `${slice.crossTalk.eventsWithTwoDecisions > 0 ? `; ${slice.crossTalk.eventsWithTwoDecisions} events also decided by another system` : ''})` +
    ` | raw kafkajs 3-hop relay: ${relay.arrived}/${relay.messages} msg, ${relay.throughputPerSecond} msg/s, ${latency(relay)}`
  );
}

async function otherConsumers(kafka: ReturnType<typeof toolKafka>, runId: string): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await otherActiveGroups(admin, (groupId) => groupId.startsWith(runId));
  } finally {
    await admin.disconnect();
  }
}

/** The overall bound: report, clean up (each step bounded), exit non-zero. */
function overallTimeout(seconds: number, cleanups: Cleanup[]): void {
  setTimeout(() => {
    console.error(`bench FAILED: not finished within BENCH_TIMEOUT_S=${seconds} s; cleaning up`);
    Promise.allSettled(cleanups.map((cleanup) => cleanup.run())).finally(() => process.exit(3));
  }, seconds * 1000).unref();
}

const timeoutSeconds = int('BENCH_TIMEOUT_S', 600);
const settings: BenchSettings = {
  runId: `bench-${Date.now()}`,
  events: Math.max(1, int('BENCH_EVENTS', 2000)),
  warmup: int('BENCH_WARMUP', 100),
  persons: Math.max(1, int('BENCH_PERSONS', 200)),
  batchSize: Math.max(1, int('BENCH_BATCH', 200)),
  idleMs: int('BENCH_IDLE_TIMEOUT_S', 60) * 1000,
  deadline: Date.now() + timeoutSeconds * 1000,
  reportDelayMs: int('BENCH_REPORT_DELAY_MS', 0),
};
const cleanups: Cleanup[] = [];
overallTimeout(timeoutSeconds, cleanups);
main(settings, cleanups).then(
  (code) => process.exit(code),
  async (error: Error) => {
    console.error(`bench FAILED: ${maskPhonesInText(error.stack ?? error.message)}`);
    await Promise.allSettled(cleanups.map((cleanup) => cleanup.run()));
    process.exit(2);
  },
);
