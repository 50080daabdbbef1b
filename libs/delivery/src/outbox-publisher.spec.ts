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

  it('deletes published rows together within a second, not per produce, and at once when idle() is awaited', async () => {
    const deletes: string[][] = [];
    const recording = { query: jest.fn(async (_sql: string, [ids]: string[][]) => void deletes.push(ids)) };
    const kafka = gatedProducer();
    kafka.open();
    const publisher = new OutboxPublisher(recording, kafka.producer, logger);
    publisher.publish(rows(2));
    await new Promise((resolve) => setTimeout(resolve, 20));
    publisher.publish(rows(3, 2));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(kafka.sent).toEqual([2, 3]);
    expect(deletes).toEqual([]);
    expect(publisher.isInFlight('4')).toBe(true); // the relay leaves them alone until deleted
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(deletes).toEqual([['0', '1', '2', '3', '4']]);
    expect(publisher.isInFlight('4')).toBe(false);

    publisher.publish(rows(1, 5));
    await publisher.idle();
    expect(deletes).toEqual([['0', '1', '2', '3', '4'], ['5']]);
  });

  it('deletes at once when a thousand published rows are waiting', async () => {
    const recording = { query: jest.fn(async () => []) };
    const kafka = gatedProducer();
    kafka.open();
    const publisher = new OutboxPublisher(recording, kafka.producer, logger);
    publisher.publish(rows(1000));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(recording.query).toHaveBeenCalledTimes(1);
    await publisher.idle();
  });

  it('groups rows by topic in commit order and puts the topic prefix on', () => {
    const [batch] = byTopic(rows(3), 'p1.');
    expect(batch.topic).toBe('p1.esoz.notification.status.v1');
    expect(batch.messages.map((message) => message.value)).toEqual(['{"n":0}', '{"n":1}', '{"n":2}']);
  });
});
