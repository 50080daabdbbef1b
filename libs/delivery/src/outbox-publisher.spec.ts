import 'reflect-metadata';
import pino from 'pino';
import type { KafkaProducer } from '@app/kafka';
import { OutboxPublisher, byTopic } from './outbox-publisher';
import type { OutboxRow } from './outbox';

const rows = (count: number, from = 0): OutboxRow[] =>
  Array.from({ length: count }, (_, index) => ({
    id: String(from + index),
    topic: 'esoz.notification.status.v1',
    key: `k${index % 3}`,
    value: `{"n":${from + index}}`,
    headers: {},
  }));

/** A producer whose sends wait until released; records what it was given. */
function gatedProducer() {
  const sent: number[] = [];
  let release: () => void = () => undefined;
  let gate = new Promise<void>((resolve) => (release = resolve));
  const producer = {
    sendBatch: async (batches: { messages: unknown[] }[]) => {
      await gate;
      sent.push(batches.reduce((sum, batch) => sum + batch.messages.length, 0));
    },
  } as unknown as KafkaProducer;
  return {
    producer,
    sent,
    open: () => {
      release();
      gate = Promise.resolve();
    },
  };
}

describe('OutboxPublisher', () => {
  const db = { query: jest.fn(async () => []) };
  const logger = pino({ level: 'silent' });

  it('makes writers wait while more than 5000 rows wait for Kafka, and lets them go once it drains', async () => {
    const kafka = gatedProducer();
    const publisher = new OutboxPublisher(db, kafka.producer, logger);
    publisher.publish(rows(5000));
    await expect(Promise.race([publisher.room(), Promise.resolve('free')])).resolves.toBeUndefined();
    publisher.publish(rows(2000, 5000));
    let released = false;
    const waiting = publisher.room().then(() => (released = true));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(released).toBe(false);
    kafka.open();
    await waiting;
    await publisher.idle();
    expect(kafka.sent.reduce((a, b) => a + b)).toBe(7000);
    expect(db.query).toHaveBeenCalled();
  });

  it('groups rows by topic in commit order and puts the topic prefix on', () => {
    const [batch] = byTopic(rows(3), 'p1.');
    expect(batch.topic).toBe('p1.esoz.notification.status.v1');
    expect(batch.messages.map((message) => message.value)).toEqual(['{"n":0}', '{"n":1}', '{"n":2}']);
  });
});
