import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { dlqTopic, type NotificationStatus, Topic } from '@app/contracts';
import { adultWithOtp, eventually, prescriptionEvent, startGroupsAtEnd, testKafka } from '@app/testing';
import type { Admin, Producer } from 'kafkajs';
import { Client } from 'pg';
import { startResolver } from '../apps/resolver/src/main';
import { readBetween, topicEnds, type Offsets } from './support/kafka-inspect';

jest.setTimeout(90_000);

/**
 * Contract §11.1 on the real broker and database: an event that fails validation but whose event id reads
 * as a uuid gets one REJECTED / INVALID_EVENT status with the failing paths (never their values), besides
 * its DLQ copy; a repeat is rejected once; an event whose id cannot be read goes to the DLQ only.
 */
const PORT = 4521;
const GROUP_PREFIX = 'esoz-notify-test.rejected';
const RESOLVER_GROUP = `${GROUP_PREFIX}.resolver`;
const TOPICS = [Topic.NotificationStatus, dlqTopic(Topic.NotificationRequested)];
/** A code the bad events carry in a wrong form: it must never come back in a status. */
const BAD_CODE = '48X1';

describe('REJECTED for invalid events (real Kafka and Postgres)', () => {
  let running: Awaited<ReturnType<typeof startResolver>>;
  let producer: Producer;
  let admin: Admin;
  let db: Client;
  let start: Map<string, Offsets>;

  beforeAll(async () => {
    admin = testKafka().admin();
    await admin.connect();
    await startGroupsAtEnd({ [RESOLVER_GROUP]: [Topic.Person, Topic.NotificationRequested] });
    start = await topicEnds(admin, TOPICS);
    running = await startResolver({
      ...process.env,
      LOG_LEVEL: 'error',
      PORT: String(PORT),
      KAFKA_GROUP_PREFIX: GROUP_PREFIX,
      PERSON_WAIT_SECONDS: '30',
    });
    producer = testKafka().producer();
    await producer.connect();
    db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await running?.close();
    await admin?.disconnect();
    await db?.end();
  });

  /** One key for all, so the messages of a case reach the resolver in the order sent. */
  async function send(key: string, ...values: (object | string)[]): Promise<void> {
    await producer.send({
      topic: Topic.NotificationRequested,
      messages: values.map((value) => ({
        key,
        value: typeof value === 'string' ? value : JSON.stringify(value),
      })),
    });
  }

  /** Waits until the resolver committed everything sent so far on the key's partition. */
  async function consumed(): Promise<void> {
    const ends = await admin.fetchTopicOffsets(Topic.NotificationRequested);
    await eventually(async () => {
      const [committed] = await admin.fetchOffsets({
        groupId: RESOLVER_GROUP,
        topics: [Topic.NotificationRequested],
      });
      const behind = ends.some(({ partition, high }) => {
        const at = committed.partitions.find((p) => p.partition === partition)?.offset ?? '-1';
        return BigInt(at === '-1' ? '0' : at) < BigInt(high);
      });
      return behind ? undefined : true;
    }, 'the resolver to consume every event sent');
  }

  const statusLog = async (eventId: string) =>
    (
      await db.query<{ status: string; reason: string | null }>(
        `SELECT status, reason FROM notification_status_log WHERE event_id = $1 ORDER BY id`,
        [eventId],
      )
    ).rows;

  const notification = async (eventId: string) =>
    (
      await db.query<{
        state: string;
        type: string | null;
        subject_person_id: string | null;
        request: object;
      }>(`SELECT state, type, subject_person_id, request FROM notification WHERE event_id = $1`, [eventId])
    ).rows;

  /** Everything our resolver wrote to the status topic and the DLQ since the suite started. */
  async function written() {
    // The relay publishes right after the commit; give it a moment to drain before taking the end offsets.
    await eventually(async () => {
      const { rows } = await db.query(`SELECT count(*)::int AS left FROM outbox_message`);
      return rows[0].left === 0 ? true : undefined;
    }, 'the outbox to drain');
    const messages = await readBetween(testKafka(), start, await topicEnds(admin, TOPICS));
    const statuses = messages
      .filter((message) => message.topic === Topic.NotificationStatus)
      .map((message) => ({ raw: message.value!.toString(), status: JSON.parse(message.value!.toString()) }))
      .map(({ raw, status }) => ({ raw, status: status as NotificationStatus }));
    const deadLetters = messages.filter((message) => message.topic === dlqTopic(Topic.NotificationRequested));
    return { statuses, deadLetters };
  }

  const invalidEvent = (eventId: string) => {
    const { subjectPersonId: _dropped, ...event } = prescriptionEvent(randomUUID(), { eventId });
    return { ...event, payload: { ...event.payload, verificationCode: BAD_CODE } };
  };

  it('answers an invalid event with one REJECTED carrying the failing paths, however often it is repeated', async () => {
    const eventId = randomUUID();
    const bad = invalidEvent(eventId);
    await send(eventId, bad, bad);
    await eventually(
      async () => ((await statusLog(eventId)).length > 0 ? true : undefined),
      'the REJECTED status of the invalid event',
    );
    await send(eventId, bad); // a later repeat, in another batch
    await consumed();

    expect(await statusLog(eventId)).toEqual([{ status: 'REJECTED', reason: 'INVALID_EVENT' }]);
    const [row] = await notification(eventId);
    expect(row).toMatchObject({
      state: 'REJECTED',
      type: 'MEDICATION_REQUEST_CREATED',
      subject_person_id: null,
    });
    expect(JSON.stringify(row.request)).not.toContain(BAD_CODE);

    const { statuses, deadLetters } = await written();
    const ours = statuses.filter(({ status }) => status.eventId === eventId);
    expect(ours.map(({ status }) => status)).toEqual([
      {
        eventId,
        notificationId: expect.any(String),
        at: expect.any(String),
        status: 'REJECTED',
        reason: 'INVALID_EVENT',
        fields: ['subjectPersonId', 'payload.verificationCode'],
      },
    ]);
    expect(ours[0].raw).not.toContain(BAD_CODE);
    // Every copy is still dead-lettered, unchanged, with its reason.
    const copies = deadLetters.filter((message) => message.value?.toString() === JSON.stringify(bad));
    expect(copies).toHaveLength(3);
    for (const copy of copies)
      expect(copy.headers['x-dlq-reason']).toMatch(/^INVALID_MESSAGE: subjectPersonId/);
  });

  it('dead-letters without a status an event whose id cannot be read', async () => {
    const key = randomUUID();
    const marker = randomUUID();
    await send(
      key,
      { ...invalidEvent(randomUUID()), eventId: 'not-a-uuid', subjectPersonId: marker },
      { ...invalidEvent(randomUUID()), eventId: undefined, subjectPersonId: marker },
      `{"eventId":"${randomUUID()}", "type": "AUTH_OTP", "subjectPersonId": "${marker}"`, // not JSON
    );
    await consumed();
    const { statuses, deadLetters } = await written();
    expect(deadLetters.filter((message) => message.value?.toString().includes(marker))).toHaveLength(3);
    const rejected = statuses.filter(({ status }) => status.status === 'REJECTED');
    // Only the events of the other cases of this file were rejected.
    for (const { status } of rejected) expect((await notification(status.eventId))[0].state).toBe('REJECTED');
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM notification WHERE subject_person_id = $1`,
      [marker],
    );
    expect(rows[0].n).toBe(0);
  });

  it('does not reject an invalid copy of an event that was valid first', async () => {
    const person = adultWithOtp();
    const event = prescriptionEvent(person.id);
    await send(event.eventId, event, { ...event, occurredAt: 'yesterday' });
    await consumed();
    expect((await notification(event.eventId))[0].state).not.toBe('REJECTED');
    expect((await statusLog(event.eventId)).map((row) => row.status)).not.toContain('REJECTED');
  });

  it('keeps a rejected event id used up: a valid event with that id later is a no-op', async () => {
    const person = adultWithOtp();
    const valid = prescriptionEvent(person.id);
    await send(valid.eventId, { ...valid, type: 'SOMETHING_ELSE' });
    await eventually(
      async () => ((await statusLog(valid.eventId)).length > 0 ? true : undefined),
      'the REJECTED status',
    );
    await send(valid.eventId, valid);
    await consumed();
    expect(await statusLog(valid.eventId)).toEqual([{ status: 'REJECTED', reason: 'INVALID_EVENT' }]);
    const [row] = await notification(valid.eventId);
    // The type was the invalid part, so it is not kept; the subject was valid and is.
    expect(row).toMatchObject({ state: 'REJECTED', type: null, subject_person_id: person.id });
    const { statuses } = await written();
    expect(
      statuses.filter(({ status }) => status.eventId === valid.eventId).map(({ status }) => status.fields),
    ).toEqual([['type']]);
  });
});
