import { Topic } from '@app/contracts';
import { startDiiaPushStub } from '../../apps/diia-push-stub/src/main';
import { startInfoSlipRenderer } from '../../apps/info-slip-renderer/src/main';
import { startProviderSimulator } from '../../apps/provider-simulator/src/main';
import { startResolver } from '../../apps/resolver/src/main';
import { startSmsSender } from '../../apps/sms-sender/src/main';
import { startViberSender } from '../../apps/viber-sender/src/main';
import { toolKafka, startGroupAtEnd } from './kafka';
import { freePort, portInUse } from './net';

export type AppName = 'resolver' | 'viber-sender' | 'sms-sender' | 'diia-push-stub' | 'info-slip-renderer';
export type Ports = Record<AppName | 'provider-simulator', number>;
type Env = Record<string, string | undefined>;

/** The ports `npm start` uses (architecture.md §2). */
export const DEFAULT_PORTS: Ports = {
  resolver: 3001,
  'viber-sender': 3002,
  'sms-sender': 3003,
  'diia-push-stub': 3004,
  'info-slip-renderer': 3005,
  'provider-simulator': 3100,
};

const CONSUMED_TOPICS: Record<AppName, Topic[]> = {
  resolver: [Topic.Person, Topic.NotificationRequested],
  'viber-sender': [Topic.DeliveryViber],
  'sms-sender': [Topic.DeliverySms],
  'diia-push-stub': [Topic.DeliveryDiia],
  'info-slip-renderer': [Topic.DeliverySlip],
};

const STARTERS: Record<AppName, (env: Env) => Promise<{ close(): Promise<void> }>> = {
  resolver: startResolver,
  'viber-sender': startViberSender,
  'sms-sender': startSmsSender,
  'diia-push-stub': startDiiaPushStub,
  'info-slip-renderer': startInfoSlipRenderer,
};

export interface InProcessSystem {
  ports: Ports;
  url(app: keyof Ports): string;
  /** Consumer groups created for this run (for clean-up after `close`). */
  groupIds: string[];
  close(): Promise<void>;
}

export interface InProcessOptions {
  apps: AppName[];
  ports: Ports;
  /** KAFKA_GROUP_PREFIX: one per run, so these apps never share a group with a running system. */
  groupPrefix: string;
  /** Extra env for every app (LOG_LEVEL, DIIA_ENABLED, ...). */
  env?: Env;
  simulatorEnv?: Env;
}

/** The default ports when all are free, else free ports picked by the OS (callback URLs follow). */
export async function choosePorts(): Promise<Ports> {
  const busy = await Promise.all(Object.values(DEFAULT_PORTS).map(portInUse));
  if (!busy.includes(true)) return { ...DEFAULT_PORTS };
  const entries = await Promise.all(
    Object.keys(DEFAULT_PORTS).map(async (name) => [name, await freePort()] as const),
  );
  return Object.fromEntries(entries) as Ports;
}

/**
 * Starts the provider simulator and the given apps in this process, the way test/slice.int-spec.ts does.
 * Each app's consumer group starts at the topics' current ends (see startGroupAtEnd).
 */
export async function startInProcessSystem(options: InProcessOptions): Promise<InProcessSystem> {
  const { ports, groupPrefix } = options;
  // kafkajs prints a v2 partitioner notice once per producer; five apps in one process would print it five times.
  process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
  const url = (app: keyof Ports) => `http://127.0.0.1:${ports[app]}`;
  const groupIds = options.apps.map((app) => `${groupPrefix}.${app}`);
  await positionGroups(options.apps, groupPrefix);

  // The simulator goes first (no more webhooks into closing senders), then the apps, last started first.
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    const [closeSimulator, ...closeApps] = closers.splice(0);
    for (const closeOne of [closeSimulator, ...closeApps.reverse()].filter(Boolean)) {
      await closeOne().catch((error: Error) => console.warn(`close failed: ${error.message}`));
    }
  };
  try {
    const simulator = await startProviderSimulator({
      ...process.env,
      LOG_LEVEL: options.env?.LOG_LEVEL ?? 'warn',
      ...options.simulatorEnv,
      PORT: String(ports['provider-simulator']),
      VIBER_CALLBACK_URL: `${url('viber-sender')}/webhooks/turbosms`,
      SMS_CALLBACK_URL: `${url('sms-sender')}/webhooks/turbosms`,
      SMSC_CALLBACK_URL: `${url('sms-sender')}/webhooks/smsc`,
    });
    closers.push(() => simulator.close());
    const env: Env = {
      ...process.env,
      LOG_LEVEL: 'warn',
      ...options.env,
      KAFKA_GROUP_PREFIX: groupPrefix,
      PROVIDER_BASE_URL: url('provider-simulator'),
      SMSC_BASE_URL: url('provider-simulator'),
      // Both SMS aggregators, as `npm start` runs them (docs/decisions/0004).
      SMS_PROVIDERS: options.env?.SMS_PROVIDERS ?? process.env.SMS_PROVIDERS ?? 'turbosms:70,smsc:30',
    };
    // In parallel: each start waits for its own group join, which is most of the start-up time.
    const started = await Promise.allSettled(
      options.apps.map((app) => STARTERS[app]({ ...env, PORT: String(ports[app]) })),
    );
    for (const result of started) if (result.status === 'fulfilled') closers.push(() => result.value.close());
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  } catch (error) {
    await close();
    throw error;
  }
  return { ports, url, groupIds, close };
}

async function positionGroups(apps: AppName[], groupPrefix: string): Promise<void> {
  const admin = toolKafka('esoz-notify-tools').admin();
  await admin.connect();
  try {
    for (const app of apps) await startGroupAtEnd(admin, `${groupPrefix}.${app}`, CONSUMED_TOPICS[app]);
  } finally {
    await admin.disconnect();
  }
}
