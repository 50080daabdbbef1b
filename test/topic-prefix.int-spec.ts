import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Topic, dlqTopic, type NotificationStatus } from '@app/contracts';
import { adultWithOtp, eventually, prescriptionEvent, testKafka } from '@app/testing';
import type { Admin, Consumer, KafkaMessage, Producer } from 'kafkajs';
import { startProviderSimulator } from '../apps/provider-simulator/src/main';
import { startResolver } from '../apps/resolver/src/main';
import { startViberSender } from '../apps/viber-sender/src/main';
import { ensureContractTopics } from '../tools/ensure-topics';

jest.setTimeout(120_000);

/**
 * KAFKA_TOPIC_PREFIX (contract §11.5): a second system with its own prefix on the same broker reads,
 * writes and dead-letters only its own topics; the unprefixed contract topics see none of its traffic.
 */
const PREFIX = `p${randomUUID().slice(0, 8)}.`;
const SIMULATOR_PORT = 13200;
const env = {
  ...process.env,
  LOG_LEVEL: 'warn',
  KAFKA_GROUP_PREFIX: 'esoz-notify-test.prefix',
  KAFKA_TOPIC_PREFIX: PREFIX,
  PROVIDER_BASE_URL: `http://127.0.0.1:${SIMULATOR_PORT}`,
  DIIA_ENABLED: 'false',
};

describe('topic prefix (real Kafka and Postgres)', () => {
  const closers: (() => Promise<void>)[] = [];
  const kafka = testKafka();
  let producer: Producer;
  let admin: Admin;
  let reader: Consumer;
  const seen: { topic: string; message: KafkaMessage }[] = [];
  const plainEnds = new Map<string, number>();

  const total = async (topic: string) =>
    (await admin.fetchTopicOffsets(topic)).reduce((sum, { high }) => sum + Number(high), 0);

  beforeAll(async () => {
    const created = await ensureContractTopics({ ...process.env, KAFKA_TOPIC_PREFIX: PREFIX });
    expect(created).toContain(`${PREFIX}${Topic.NotificationStatus}`);
    expect(created).toContain(`${PREFIX}${dlqTopic(Topic.NotificationRequested)}`);
    admin = kafka.admin();
    await admin.connect();
    for (const topic of [
      Topic.NotificationStatus,
      Topic.DeliveryViber,
      dlqTopic(Topic.NotificationRequested),
    ])
      plainEnds.set(topic, await total(topic));
    reader = kafka.consumer({ groupId: `prefix-probe-${randomUUID()}`, maxWaitTimeInMs: 100 });
    await reader.connect();
    await reader.subscribe({
      topics: [`${PREFIX}${Topic.NotificationStatus}`, `${PREFIX}${dlqTopic(Topic.NotificationRequested)}`],
      fromBeginning: true,
    });
    await reader.run({ eachMessage: async ({ topic, message }) => void seen.push({ topic, message }) });

    const simulator = await startProviderSimulator({
      ...env,
      PORT: String(SIMULATOR_PORT),
      VIBER_CALLBACK_URL: 'http://127.0.0.1:13202/webhooks/turbosms',
      REPORT_DELAY_MS: '0',
    });
    closers.push(() => simulator.close());
    for (const start of [
      () => startResolver({ ...env, PORT: '13201' }),
      () => startViberSender({ ...env, PORT: '13202' }),
    ]) {
      const running = await start();
      closers.push(() => running.close());
    }
    producer = kafka.producer();
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await reader?.disconnect();
    for (const close of closers.reverse()) await close();
    await admin?.disconnect();
  });

  it('consumes, publishes and dead-letters on the prefixed topics only', async () => {
    const person = adultWithOtp();
    const event = prescriptionEvent(person.id, { type: 'AUTH_OTP', payload: { verificationCode: '1234' } });
    await producer.send({
      topic: `${PREFIX}${Topic.Person}`,
      messages: [{ key: person.id, value: JSON.stringify(person) }],
    });
    await producer.send({
      topic: `${PREFIX}${Topic.NotificationRequested}`,
      messages: [
        { key: person.id, value: JSON.stringify(event) },
        { key: person.id, value: '{"not":"an event"}' },
      ],
    });

    const statuses = await eventually(async () => {
      const mine = seen
        .filter(({ topic }) => topic === `${PREFIX}${Topic.NotificationStatus}`)
        .map(({ message }) => JSON.parse(message.value!.toString()) as NotificationStatus)
        .filter((status) => status.eventId === event.eventId);
      return mine.some((status) => status.status === 'DELIVERED') ? mine : undefined;
    }, 'DELIVERED on the prefixed status topic');
    expect(statuses.map((status) => `${status.status}:${status.channel ?? ''}`)).toEqual([
      'RESOLVED:',
      'SENT:VIBER',
      'DELIVERED:VIBER',
    ]);
    const dead = await eventually(
      async () => seen.find(({ topic }) => topic === `${PREFIX}${dlqTopic(Topic.NotificationRequested)}`),
      'the invalid event on the prefixed DLQ',
    );
    expect(dead.message.headers?.['x-original-topic']?.toString()).toBe(Topic.NotificationRequested);

    // Nothing of ours reached the unprefixed contract topics.
    for (const [topic, before] of plainEnds) expect(await total(topic)).toBe(before);
  });
});
