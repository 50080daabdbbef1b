import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { type NotificationStatus, NotificationStatusCode } from '@app/contracts';
import { createDataSource } from '@app/database';
import { type GuardedChange, OutboxPublisher, OutboxRelay, unconditional, writeChange } from '@app/delivery';
import { KafkaProducer } from '@app/kafka';
import { createLogger } from '@app/platform';
import { eventually, testKafka } from '@app/testing';
import type { Consumer, KafkaMessage } from 'kafkajs';
import type { DataSource } from 'typeorm';

jest.setTimeout(120_000);

const TOPIC = `test.outbox.${randomUUID()}`;
const logger = createLogger('outbox-test', 'silent');

/** A guarded change on a scratch table: a row moves from `from` to `to` only if it is still in `from`. */
function move(ids: string[], from: string, to: string): GuardedChange {
  return {
    sql: `UPDATE outbox_probe SET state = $3 WHERE id = ANY($1::uuid[]) AND state = $2 RETURNING id::text AS key`,
    params: [ids, from, to],
  };
}

function status(eventId: string, code: NotificationStatusCode): NotificationStatus {
  return { eventId, at: new Date().toISOString(), status: code, channel: 'SMS' };
}

describe('outbox: one-statement writes, publish after commit, relay for what is left (real Postgres and Kafka)', () => {
  const kafka = testKafka();
  let db: DataSource;
  let producer: KafkaProducer;
  let publisher: OutboxPublisher;
  let consumer: Consumer;
  const received: KafkaMessage[] = [];

  beforeAll(async () => {
    db = createDataSource(process.env.DATABASE_URL!, 4);
    await db.initialize();
    await db.query(`CREATE TABLE IF NOT EXISTS outbox_probe (id uuid PRIMARY KEY, state text NOT NULL)`);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1 }] });
    await admin.disconnect();
    producer = new KafkaProducer(kafka);
    await producer.connect();
    publisher = new OutboxPublisher(db, producer, logger);
    consumer = kafka.consumer({ groupId: `outbox-test-${randomUUID()}`, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void received.push(message) });
  });

  afterAll(async () => {
    await consumer?.disconnect();
    await producer?.disconnect();
    await db?.query(`DROP TABLE IF EXISTS outbox_probe`);
    await db?.destroy();
  });

  async function probes(...states: string[]): Promise<string[]> {
    const ids = states.map(() => randomUUID());
    await db.query(`INSERT INTO outbox_probe (id, state) SELECT * FROM unnest($1::uuid[], $2::text[])`, [
      ids,
      states,
    ]);
    return ids;
  }

  const valuesOn = (key: string) =>
    received.filter((message) => message.key?.toString() === key).map((message) => message.value!.toString());

  it('writes statuses and messages only for the rows the guarded change took, in one statement', async () => {
    const [moved, lost] = await probes('A', 'B');
    const [movedEvent, lostEvent] = [randomUUID(), randomUUID()];
    const result = await writeChange(db, move([moved, lost], 'A', 'C'), {
      statuses: [
        { key: moved, status: status(movedEvent, NotificationStatusCode.SENT) },
        { key: lost, status: status(lostEvent, NotificationStatusCode.SENT) },
      ],
      messages: [
        { key: moved, entry: { topic: TOPIC, key: movedEvent, value: { n: 1 } } },
        { key: lost, entry: { topic: TOPIC, key: lostEvent, value: { n: 2 } } },
      ],
    });
    expect([...result.changed]).toEqual([moved]);
    expect(result.kept.map((kept) => kept.eventId)).toEqual([movedEvent]);
    expect(result.outbox.map((row) => [row.topic, row.key])).toEqual([
      ['esoz.notification.status.v1', movedEvent],
      [TOPIC, movedEvent],
    ]);
    const stored = await db.query(
      `SELECT topic, key, value FROM outbox_message WHERE id = ANY($1::bigint[])`,
      [result.outbox.map((row) => row.id)],
    );
    expect(stored).toHaveLength(2);
    expect(stored.find((row: { topic: string }) => row.topic === TOPIC).value).toBe('{"n":1}');
    const log = await db.query(
      `SELECT event_id, status FROM notification_status_log WHERE event_id = ANY($1::uuid[])`,
      [[movedEvent, lostEvent]],
    );
    expect(log).toEqual([{ event_id: movedEvent, status: 'SENT' }]);
  });

  it('records and announces one terminal status per event: a second one, in the same write or later, neither', async () => {
    const eventId = randomUUID();
    const [a, b] = await probes('A', 'A');
    const first = await writeChange(db, unconditional([a, b]), {
      statuses: [
        { key: a, status: status(eventId, NotificationStatusCode.DELIVERED) },
        { key: b, status: status(eventId, NotificationStatusCode.FAILED) },
      ],
      messages: [],
    });
    const later = await writeChange(db, unconditional([a]), {
      statuses: [{ key: a, status: status(eventId, NotificationStatusCode.EXPIRED) }],
      messages: [],
    });
    expect(first.kept.map((kept) => kept.status)).toEqual(['DELIVERED']);
    expect(first.outbox).toHaveLength(1);
    expect(later.kept).toEqual([]);
    expect(later.outbox).toEqual([]);
    const terminals = await db.query(
      `SELECT status FROM notification_status_log WHERE event_id = $1 AND is_terminal`,
      [eventId],
    );
    expect(terminals).toEqual([{ status: 'DELIVERED' }]);
  });

  it('publishes committed rows from memory in commit order and deletes them once Kafka has them', async () => {
    const key = randomUUID();
    const ids = await probes('A', 'A', 'A');
    const rows = [];
    for (const [index, id] of ids.entries()) {
      const result = await writeChange(db, unconditional([id]), {
        statuses: [],
        messages: [{ key: id, entry: { topic: TOPIC, key, value: { order: index } } }],
      });
      rows.push(...result.outbox);
      publisher.publish(result.outbox);
    }
    await publisher.idle();
    await eventually(async () => (valuesOn(key).length === 3 ? true : undefined), 'three messages');
    expect(valuesOn(key)).toEqual(['{"order":0}', '{"order":1}', '{"order":2}']);
    const left = await db.query(`SELECT id FROM outbox_message WHERE id = ANY($1::bigint[])`, [
      rows.map((row) => row.id),
    ]);
    expect(left).toEqual([]);
  });

  it('the relay publishes left-behind rows in commit (id) order, also where the id gains a digit', async () => {
    const key = randomUUID();
    const [{ base }] = (await db.query(`SELECT nextval('outbox_message_id_seq') + 1000000 AS base`)) as {
      base: string;
    }[];
    // Ids 10^k - 1 and 10^k: as text, the later one sorts first.
    const nines = 10n ** BigInt(String(base).length) - 1n;
    const ids = [nines, nines + 1n].map(String);
    await db.query(
      `INSERT INTO outbox_message (id, topic, key, value, created_at)
       SELECT id, $2, $3, '{"n":' || ord || '}', now() - interval '1 minute'
       FROM unnest($1::bigint[]) WITH ORDINALITY AS r(id, ord)`,
      [ids, TOPIC, key],
    );
    const relay = new OutboxRelay(db, new OutboxPublisher(db, producer, logger), logger, {
      abandonedAfterMs: 30_000,
    });
    await relay.sweep();
    await eventually(async () => (valuesOn(key).length === 2 ? true : undefined), 'both rows');
    expect(valuesOn(key)).toEqual(['{"n":1}', '{"n":2}']);
  });

  it('the relay publishes rows a crashed process committed but never published, and only those', async () => {
    const [id] = await probes('A');
    const key = randomUUID();
    // "Crash": committed, never handed to a publisher.
    const orphan = await writeChange(db, unconditional([id]), {
      statuses: [],
      messages: [{ key: id, entry: { topic: TOPIC, key, value: { orphan: true } } }],
    });
    // A row this process is still publishing is not the relay's.
    const busyPublisher = new OutboxPublisher(db, producer, logger);
    const relay = new OutboxRelay(db, busyPublisher, logger, { abandonedAfterMs: 0 });
    const [inFlight] = await probes('A');
    const held = await writeChange(db, unconditional([inFlight]), {
      statuses: [],
      messages: [{ key: inFlight, entry: { topic: TOPIC, key: `${key}-held`, value: { held: true } } }],
    });
    (busyPublisher as unknown as { inFlight: Set<string> }).inFlight.add(held.outbox[0].id);

    const published = await relay.sweep();
    expect(published).toBeGreaterThanOrEqual(1);
    await eventually(async () => (valuesOn(key).length > 0 ? true : undefined), 'the orphan');
    expect(valuesOn(key)).toEqual(['{"orphan":true}']);
    expect(valuesOn(`${key}-held`)).toEqual([]);
    const left = await db.query(`SELECT id FROM outbox_message WHERE id = ANY($1::bigint[])`, [
      [orphan.outbox[0].id, held.outbox[0].id],
    ]);
    expect(left).toEqual([{ id: held.outbox[0].id }]);
    await db.query(`DELETE FROM outbox_message WHERE id = $1`, [held.outbox[0].id]);
  });
});
