import { performance } from 'node:perf_hooks';
import { prescriptionEvent } from '@app/testing';
import type { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { joined } from '../lib/kafka';
import { sleep } from '../lib/net';
import type { Cleanup } from './cleanup';
import { ArrivalTracker } from './tracker';

export interface RelaySettings {
  runId: string;
  messages: number;
  warmup: number;
  batchSize: number;
  /** Give up when nothing arrives for this long. */
  idleMs: number;
  /** Epoch ms. */
  deadline: number;
}

const PARTITIONS = 6;
/** The apps' default KAFKA_PARTITIONS_CONCURRENCY, so both sides get the same parallelism. */
const PARTITIONS_CONCURRENCY = 3;

/**
 * The floor under the slice: the same three Kafka hops (topic 1 → relay → topic 2 → relay → topic 3 →
 * sink) with plain kafkajs and nothing else — no validation, Postgres, outbox or HTTP. Consumers are set
 * up like the apps' transport (eachBatch, maxWait 100 ms, a commit per batch, one producer per relay).
 */
export async function benchRawRelay(kafka: Kafka, settings: RelaySettings, cleanup: Cleanup) {
  const runTag = settings.runId.replace(/^bench-/, '');
  const topics = [1, 2, 3].map((hop) => `bench.relay.${runTag}.${hop}`);
  await createTopics(kafka, topics, cleanup);

  const tracker = new ArrivalTracker();
  const groupIds = [`${settings.runId}.relay-1`, `${settings.runId}.relay-2`, `${settings.runId}.relay-sink`];
  cleanup.addGroups(groupIds);
  const joinedAll = Promise.all([
    startRelay(kafka, groupIds[0], topics[0], topics[1], cleanup),
    startRelay(kafka, groupIds[1], topics[1], topics[2], cleanup),
    startSink(kafka, groupIds[2], topics[2], tracker, cleanup),
  ]);
  await joinedAll;

  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  cleanup.add('relay producer', () => producer.disconnect());

  // Real NotificationRequested JSON as the payload, keyed by its event id (the sink reads only the key).
  const makeMessages = (count: number) =>
    Array.from({ length: count }, () => {
      const event = prescriptionEvent('7c9e6679-7425-40de-944b-e07fc1f90ae7');
      return { id: event.eventId, key: event.eventId, value: JSON.stringify(event) };
    });

  const warmup = makeMessages(settings.warmup);
  await tracker.produce(producer, topics[0], warmup, settings.batchSize);
  const warmupMissing = await tracker.waitFor(
    warmup.map((message) => message.id),
    settings.idleMs,
    settings.deadline,
  );
  if (warmupMissing.length > 0)
    throw new Error(`relay warm-up: ${warmupMissing.length} of ${warmup.length} messages did not arrive`);

  const cpuBefore = process.cpuUsage();
  const measured = makeMessages(settings.messages);
  const ids = measured.map((message) => message.id);
  const produceStart = performance.now();
  await tracker.produce(producer, topics[0], measured, settings.batchSize);
  const produceMs = performance.now() - produceStart;
  const missing = await tracker.waitFor(ids, settings.idleMs, settings.deadline);
  const cpu = process.cpuUsage(cpuBefore);
  return {
    messages: settings.messages,
    arrived: settings.messages - missing.length,
    missing: missing.length,
    messageBytes: Buffer.byteLength(measured[0].value),
    ...tracker.measure(ids),
    produceMs: Math.round(produceMs),
    cpuSeconds: { user: Math.round(cpu.user / 1e5) / 10, system: Math.round(cpu.system / 1e5) / 10 },
    topics,
  };
}

async function createTopics(kafka: Kafka, topics: string[], cleanup: Cleanup): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    cleanup.addTopics(topics);
    const replicationFactor = Number(process.env.KAFKA_REPLICATION_FACTOR ?? 1);
    await admin.createTopics({
      waitForLeaders: true,
      topics: topics.map((topic) => ({ topic, numPartitions: PARTITIONS, replicationFactor })),
    });
    await untilServed(admin, topics);
  } finally {
    await admin.disconnect();
  }
}

/**
 * `waitForLeaders` returns before every partition answers ListOffsets/Produce ("not the leader" for a
 * moment); wait until all do, so neither side starts on retries.
 */
async function untilServed(admin: Admin, topics: string[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      for (const topic of topics) await admin.fetchTopicOffsets(topic);
      return;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`bench topics not served within 30 s: ${(error as Error).message}`, { cause: error });
      await sleep(200);
    }
  }
}

async function subscribed(
  kafka: Kafka,
  groupId: string,
  topic: string,
  cleanup: Cleanup,
  eachBatch: (consumer: Consumer, payload: EachBatchPayload) => Promise<void>,
): Promise<void> {
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100, allowAutoTopicCreation: false });
  const joinedGroup = joined(consumer);
  await consumer.connect();
  cleanup.add(`consumer ${groupId}`, () => consumer.disconnect());
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: PARTITIONS_CONCURRENCY,
    eachBatch: (payload) => eachBatch(consumer, payload),
  });
  await joinedGroup;
}

/** Commits the batch the way the apps' transport does: resolve the last offset, commit it + 1. */
async function commitBatch(consumer: Consumer, { batch, resolveOffset }: EachBatchPayload): Promise<void> {
  const last = batch.messages[batch.messages.length - 1].offset;
  resolveOffset(last);
  await consumer.commitOffsets([
    { topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() },
  ]);
}

async function startRelay(
  kafka: Kafka,
  groupId: string,
  from: string,
  to: string,
  cleanup: Cleanup,
): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  cleanup.add(`producer ${groupId}`, () => producer.disconnect());
  await subscribed(kafka, groupId, from, cleanup, async (consumer, payload) => {
    if (payload.batch.messages.length === 0) return;
    const messages = payload.batch.messages.map(({ key, value }) => ({ key, value }));
    await producer.sendBatch({ topicMessages: [{ topic: to, messages }] });
    await commitBatch(consumer, payload);
  });
}

async function startSink(
  kafka: Kafka,
  groupId: string,
  topic: string,
  tracker: ArrivalTracker,
  cleanup: Cleanup,
): Promise<void> {
  await subscribed(kafka, groupId, topic, cleanup, async (consumer, payload) => {
    if (payload.batch.messages.length === 0) return;
    const now = performance.now();
    for (const message of payload.batch.messages)
      if (message.key) tracker.arrived(message.key.toString(), now);
    await commitBatch(consumer, payload);
  });
}
