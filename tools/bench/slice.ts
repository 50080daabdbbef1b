import { performance } from 'node:perf_hooks';
import { type NotificationStatus, Topic, TERMINAL_STATUSES } from '@app/contracts';
import { adultWithOtp, prescriptionEvent } from '@app/testing';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import { Client } from 'pg';
import { joined, startGroupAtEnd } from '../lib/kafka';
import { freePort } from '../lib/net';
import { waitForPersons } from '../lib/read-model';
import { startInProcessSystem, type Ports } from '../lib/system';
import type { Cleanup } from './cleanup';
import type { RssSampler } from './stats';
import { ArrivalTracker } from './tracker';

export interface BenchSettings {
  runId: string;
  events: number;
  warmup: number;
  persons: number;
  batchSize: number;
  idleMs: number;
  deadline: number;
  /** Simulator REPORT_DELAY_MS (0 for the bench: the provider answers as fast as it can). */
  reportDelayMs: number;
}

/** What the status probe saw for our events besides DELIVERED (why an event is missing, cross-talk). */
interface StatusObservations {
  otherTerminal: Map<string, string>;
  decisions: Map<string, Set<string>>;
  deliveredTwice: number;
}

/**
 * The real slice: resolver → viber-sender → provider simulator (webhook report) → status, in this process.
 * Hops on Kafka: requested → delivery.viber → status (plus Postgres and HTTP in between).
 */
export async function benchSlice(kafka: Kafka, settings: BenchSettings, rss: RssSampler, cleanup: Cleanup) {
  const { runId } = settings;
  const system = await startInProcessSystem({
    apps: ['resolver', 'viber-sender', 'sms-sender'],
    ports: await benchPorts(),
    groupPrefix: runId,
    env: { LOG_LEVEL: 'warn', DIIA_ENABLED: 'false' },
    simulatorEnv: { REPORT_DELAY_MS: String(settings.reportDelayMs) },
  });
  cleanup.add('slice apps', () => system.close());
  cleanup.addGroups(system.groupIds);

  const tracker = new ArrivalTracker();
  const observations: StatusObservations = {
    otherTerminal: new Map(),
    decisions: new Map(),
    deliveredTwice: 0,
  };
  await startStatusProbe(kafka, `${runId}.status-probe`, tracker, observations, cleanup);

  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  cleanup.add('slice producer', () => producer.disconnect());

  const persons = Array.from({ length: settings.persons }, () => adultWithOtp());
  await publishPersons(
    producer,
    persons.map((person) => ({ key: person.id, value: JSON.stringify(person) })),
  );

  const makeEvents = (count: number) =>
    Array.from({ length: count }, (_, index) => {
      const event = prescriptionEvent(persons[index % persons.length].id);
      return { id: event.eventId, key: event.subjectPersonId, value: JSON.stringify(event) };
    });

  const warmup = makeEvents(settings.warmup);
  await tracker.produce(producer, Topic.NotificationRequested, warmup, settings.batchSize);
  const warmupMissing = await tracker.waitFor(
    warmup.map((event) => event.id),
    settings.idleMs,
    settings.deadline,
  );
  if (warmupMissing.length > 0)
    throw new Error(
      `slice warm-up: ${warmupMissing.length} of ${warmup.length} events got no DELIVERED status (${describeMissing(warmupMissing, observations)})`,
    );

  rss.reset();
  const cpuBefore = process.cpuUsage();
  const measured = makeEvents(settings.events);
  const ids = measured.map((event) => event.id);
  const produceStart = performance.now();
  await tracker.produce(producer, Topic.NotificationRequested, measured, settings.batchSize);
  const produceMs = performance.now() - produceStart;
  const missing = await tracker.waitFor(ids, settings.idleMs, settings.deadline);
  const cpu = process.cpuUsage(cpuBefore);

  return {
    reportsApplied: await howReportsWereApplied(ids),
    events: settings.events,
    delivered: settings.events - missing.length,
    missing: missing.length,
    ...(missing.length > 0 ? { missingDetail: describeMissing(missing, observations) } : {}),
    ...tracker.measure(ids),
    produceMs: Math.round(produceMs),
    peakRssMiB: rss.peakMiB(),
    cpuSeconds: { user: round(cpu.user / 1e6), system: round(cpu.system / 1e6) },
    crossTalk: {
      eventsWithTwoDecisions: ids.filter((id) => (observations.decisions.get(id)?.size ?? 0) > 1).length,
      deliveredAnnouncedTwice: observations.deliveredTwice,
    },
  };
}

const round = (value: number) => Math.round(value * 10) / 10;

async function benchPorts(): Promise<Ports> {
  const [resolver, viber, sms, simulator] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  // Diia and the slip renderer do not run in the bench; 0 keeps the type honest without reserving ports.
  return {
    resolver,
    'viber-sender': viber,
    'sms-sender': sms,
    'provider-simulator': simulator,
    'diia-push-stub': 0,
    'info-slip-renderer': 0,
  };
}

/**
 * A consumer of the status topic in its own group, positioned at the current ends before it joins, so it
 * sees exactly what is published from now on (subscribed before anything is produced).
 */
async function startStatusProbe(
  kafka: Kafka,
  groupId: string,
  tracker: ArrivalTracker,
  seen: StatusObservations,
  cleanup: Cleanup,
): Promise<Consumer> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await startGroupAtEnd(admin, groupId, [Topic.NotificationStatus]);
  } finally {
    await admin.disconnect();
  }
  cleanup.addGroups([groupId]);
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100, allowAutoTopicCreation: false });
  const joinedGroup = joined(consumer);
  await consumer.connect();
  cleanup.add('status probe', () => consumer.disconnect());
  await consumer.subscribe({ topics: [Topic.NotificationStatus], fromBeginning: false });
  await consumer.run({
    partitionsConsumedConcurrently: 6,
    eachBatch: async ({ batch }) => {
      const now = performance.now();
      for (const message of batch.messages) {
        if (message.value)
          observe(JSON.parse(message.value.toString()) as NotificationStatus, now, tracker, seen);
      }
    },
  });
  await joinedGroup;
  return consumer;
}

function observe(
  status: NotificationStatus,
  now: number,
  tracker: ArrivalTracker,
  seen: StatusObservations,
): void {
  if (!tracker.producedAt.has(status.eventId)) return;
  if (status.notificationId) {
    const decisions = seen.decisions.get(status.eventId) ?? new Set<string>();
    decisions.add(status.notificationId);
    seen.decisions.set(status.eventId, decisions);
  }
  if (status.status === 'DELIVERED') {
    if (tracker.arrivedAt.has(status.eventId)) seen.deliveredTwice++;
    tracker.arrived(status.eventId, now);
  } else if (TERMINAL_STATUSES.has(status.status)) {
    seen.otherTerminal.set(status.eventId, `${status.status}${status.reason ? `/${status.reason}` : ''}`);
  }
}

function describeMissing(missing: string[], seen: StatusObservations): string {
  const counts = new Map<string, number>();
  for (const id of missing) {
    const what = seen.otherTerminal.get(id) ?? 'no terminal status';
    counts.set(what, (counts.get(what) ?? 0) + 1);
  }
  return [...counts].map(([what, count]) => `${what} ×${count}`).join(', ');
}

/**
 * Which path turned our Viber deliveries into DELIVERED: the provider's webhook (within 2 s of SENT) or the
 * engine's status poll (it only looks at deliveries SENT more than 2 s ago, every 5 s, 200 at a time).
 * Reads Postgres, our decisions only.
 */
async function howReportsWereApplied(eventIds: string[]) {
  return withDb(async (db) => {
    const { rows } = await db.query<{ webhook: string; poll: string; poll_p50_s: number | null }>(
      `SELECT count(*) FILTER (WHERE d.finished_at - s.sent_at < interval '2 seconds') AS webhook,
              count(*) FILTER (WHERE d.finished_at - s.sent_at >= interval '2 seconds') AS poll,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM d.finished_at - s.sent_at))
                FILTER (WHERE d.finished_at - s.sent_at >= interval '2 seconds') AS poll_p50_s
       FROM notification n
       JOIN delivery d ON d.notification_id = n.id AND d.channel = 'VIBER' AND d.state = 'DELIVERED'
       JOIN LATERAL (SELECT min(at) AS sent_at FROM notification_status_log
                     WHERE event_id = n.event_id AND notification_id = n.id AND status = 'SENT' AND channel = 'VIBER') s ON true
       WHERE n.event_id = ANY($1::uuid[])`,
      [eventIds],
    );
    const row = rows[0];
    return {
      byWebhookWithin2s: Number(row.webhook),
      byStatusPoll: Number(row.poll),
      ...(row.poll_p50_s === null ? {} : { pollSentToDeliveredP50s: Math.round(row.poll_p50_s * 10) / 10 }),
    };
  });
}

async function withDb<T>(work: (db: Client) => Promise<T>): Promise<T> {
  const db = new Client({
    connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/esoz_notify',
  });
  await db.connect();
  try {
    return await work(db);
  } finally {
    await db.end();
  }
}

/** Persons first, then wait until all are in the resolver's read model: events for unknown persons would wait. */
async function publishPersons(producer: Producer, messages: { key: string; value: string }[]): Promise<void> {
  await producer.sendBatch({ topicMessages: [{ topic: Topic.Person, messages }] });
  await withDb((db) =>
    waitForPersons(
      db,
      messages.map((message) => message.key),
      60_000,
    ),
  );
}
