import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Topic, dlqTopic } from '@app/contracts';
import {
  adultWithOtp,
  eventually,
  prescriptionEvent,
  produce,
  startGroupsAtEnd,
  testKafka,
} from '@app/testing';
import type { Consumer, Producer } from 'kafkajs';
import { Client } from 'pg';
import { startProviderSimulator } from '../apps/provider-simulator/src/main';
import { startResolver } from '../apps/resolver/src/main';
import { startSmsSender } from '../apps/sms-sender/src/main';
import { startViberSender } from '../apps/viber-sender/src/main';

jest.setTimeout(120_000);

// Ports away from `npm start`'s, so the suite can run beside a running system.
const SIMULATOR = 'http://127.0.0.1:13100';
const env = {
  ...process.env,
  LOG_LEVEL: 'warn',
  KAFKA_GROUP_PREFIX: 'esoz-notify-test.slice',
  PROVIDER_BASE_URL: SIMULATOR,
  DIIA_ENABLED: 'false',
  CODE_REPORT_TIMEOUT_SECONDS: '3',
};

describe('first slice: resolver → viber-sender → simulator, SMS fallback (real Kafka and Postgres)', () => {
  const closers: (() => Promise<void>)[] = [];
  let producer: Producer;
  let db: Client;

  beforeAll(async () => {
    await startGroupsAtEnd({
      'esoz-notify-test.slice.resolver': [Topic.Person, Topic.NotificationRequested],
      'esoz-notify-test.slice.viber-sender': [Topic.DeliveryViber],
      'esoz-notify-test.slice.sms-sender': [Topic.DeliverySms],
    });
    const simulator = await startProviderSimulator({
      ...env,
      PORT: '13100',
      VIBER_CALLBACK_URL: 'http://127.0.0.1:13002/webhooks/turbosms',
      SMS_CALLBACK_URL: 'http://127.0.0.1:13003/webhooks/turbosms',
      REPORT_DELAY_MS: '100',
    });
    closers.push(() => simulator.close());
    for (const start of [
      () => startResolver({ ...env, PORT: '13001' }),
      () => startViberSender({ ...env, PORT: '13002' }),
      () => startSmsSender({ ...env, PORT: '13003' }),
    ]) {
      const running = await start();
      closers.push(() => running.close());
    }
    producer = testKafka().producer();
    await producer.connect();
    db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await db?.end();
    for (const close of closers.reverse()) await close();
  });

  const timeline = async (eventId: string) =>
    (
      await db.query(
        `SELECT status, channel, reason, recipient FROM notification_status_log WHERE event_id = $1 ORDER BY id`,
        [eventId],
      )
    ).rows;

  const terminalOf = (eventId: string) =>
    eventually(async () => {
      const rows = await timeline(eventId);
      return rows.some((row) =>
        ['DELIVERED', 'FAILED', 'EXPIRED', 'SKIPPED', 'REJECTED', 'SLIP_READY'].includes(row.status),
      )
        ? rows
        : undefined;
    }, `terminal status of ${eventId}`);

  const simulatorMessages = async (phone: string) => {
    const response = await fetch(`${SIMULATOR}/__control/messages?phone=${encodeURIComponent(phone)}`);
    return (await response.json()) as { channel: string; text: string }[];
  };

  const setBehaviour = (phone: string, behaviour: object) =>
    fetch(`${SIMULATOR}/__control/recipients/${encodeURIComponent(phone)}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(behaviour),
    });

  it('delivers an e-prescription to an adult by Viber', async () => {
    const person = adultWithOtp();
    const event = prescriptionEvent(person.id);
    await produce(producer, Topic.Person, [{ key: person.id, value: person }]);
    await produce(producer, Topic.NotificationRequested, [{ key: person.id, value: event }]);

    const rows = await terminalOf(event.eventId);
    expect(rows.map((row) => `${row.status}:${row.channel ?? ''}`)).toEqual([
      'RESOLVED:',
      'SENT:VIBER',
      'DELIVERED:VIBER',
    ]);
    expect(rows[2].recipient).toEqual({
      personId: person.id,
      role: 'SUBJECT',
      maskedPhone: `${person.phones[0].number.slice(0, 6)}*****${person.phones[0].number.slice(-2)}`,
    });
    const sent = await simulatorMessages(person.phones[0].number);
    expect(sent).toHaveLength(1);
    expect(sent[0].channel).toBe('VIBER');
    expect(sent[0].text).toContain('0000-K8K5-5MTE-352H');
    expect(sent[0].text).toContain('4821');
  });

  it('falls back to SMS when the phone is not a Viber user', async () => {
    const person = adultWithOtp();
    const phone = person.phones[0].number;
    await setBehaviour(phone, { viber: 'NOT_VIBER_USER' });
    const event = prescriptionEvent(person.id);
    await produce(producer, Topic.Person, [{ key: person.id, value: person }]);
    await produce(producer, Topic.NotificationRequested, [{ key: person.id, value: event }]);

    const rows = await terminalOf(event.eventId);
    expect(rows.map((row) => `${row.status}:${row.channel ?? ''}:${row.reason ?? ''}`)).toEqual([
      'RESOLVED::',
      'FALLBACK:VIBER:NOT_VIBER_USER',
      'SENT:SMS:',
      'DELIVERED:SMS:',
    ]);
    const sent = await simulatorMessages(phone);
    expect(sent.map((message) => message.channel)).toEqual(['SMS']);
    expect(sent[0].text).toContain('4821');
  });

  it('dead-letters an unparsable and an invalid event and still delivers the valid one behind them', async () => {
    const person = adultWithOtp();
    const event = prescriptionEvent(person.id);
    const invalid = { ...prescriptionEvent(person.id), subjectPersonId: 'not-a-uuid' };
    const marker = randomUUID();
    await produce(producer, Topic.Person, [{ key: person.id, value: person }]);
    // Same key = same partition: the poison messages sit right in front of the valid one.
    await produce(producer, Topic.NotificationRequested, [
      { key: person.id, value: Buffer.from(`{"eventId": "${marker}", broken`) },
      { key: person.id, value: invalid },
      { key: person.id, value: event },
    ]);

    const rows = await terminalOf(event.eventId);
    expect(rows.at(-1)?.status).toBe('DELIVERED');

    const dead = await readDlq(testKafka().consumer({ groupId: `dlq-reader-${randomUUID()}` }), person.id, 2);
    // Another resolver on the same broker (a running system, a parallel suite) may dead-letter them too.
    const reasons = [...new Set(dead.map((message) => message.reason))].sort();
    expect(reasons).toHaveLength(2);
    expect(reasons[0]).toBe('INVALID_JSON');
    expect(reasons[1]).toMatch(/^INVALID_MESSAGE: subjectPersonId/);
    expect(new Set(dead.map((message) => message.originalTopic))).toEqual(
      new Set([Topic.NotificationRequested]),
    );
    expect(dead.some((message) => message.value.includes(marker))).toBe(true); // original bytes kept
  });

  it('treats a repeated event id as a no-op', async () => {
    const person = adultWithOtp();
    const event = prescriptionEvent(person.id);
    await produce(producer, Topic.Person, [{ key: person.id, value: person }]);
    await produce(producer, Topic.NotificationRequested, [{ key: person.id, value: event }]);
    await terminalOf(event.eventId);
    await produce(producer, Topic.NotificationRequested, [{ key: person.id, value: event }]);
    // A later event on the same partition proves the duplicate was consumed before we count.
    const marker = prescriptionEvent(person.id);
    await produce(producer, Topic.NotificationRequested, [{ key: person.id, value: marker }]);
    await terminalOf(marker.eventId);
    expect((await timeline(event.eventId)).filter((row) => row.status === 'RESOLVED')).toHaveLength(1);
    expect(await simulatorMessages(person.phones[0].number)).toHaveLength(2);
  });
});

async function readDlq(consumer: Consumer, key: string, expected: number) {
  const found: { reason: string; originalTopic: string; value: string }[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic: dlqTopic(Topic.NotificationRequested), fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (message.key?.toString() !== key) return;
      found.push({
        reason: String(message.headers?.['x-dlq-reason']),
        originalTopic: String(message.headers?.['x-original-topic']),
        value: message.value?.toString() ?? '',
      });
    },
  });
  try {
    await eventually(async () => (found.length >= expected ? true : undefined), 'dead-lettered messages');
  } finally {
    await consumer.disconnect();
  }
  return found;
}
