import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import {
  Topic,
  dlqTopic,
  type DeliveryCommand,
  type NotificationRequested,
  type PersonSnapshot,
} from '@app/contracts';
import { CodeCipher, LOCAL_SECRETS, maskPhone } from '@app/platform';
import {
  adultWithOtp,
  eventually,
  prescriptionEvent,
  testKafka,
  uniquePhone,
  uniqueTaxId,
  startGroupsAtEnd,
} from '@app/testing';
import type { Admin, Consumer, Producer } from 'kafkajs';
import { Client } from 'pg';
import { startResolver } from '../apps/resolver/src/main';

jest.setTimeout(60_000);

/**
 * The resolver alone on the real broker and database: persons and requests go in through Kafka, and we
 * check what it records (notification_status_log), what it emits (delivery commands and statuses, read
 * back from Kafka with our own consumer) and what support sees (GET /notifications/:eventId).
 *
 * The broker is shared with other suites and engineers, so: our own consumer-group prefix, both groups
 * start at the current end of their topics (no replay of other people's history), and every command is
 * matched by event id AND by the notification id in our database (another resolver may be resolving the
 * same events into its own database and emitting its own commands for them).
 */
const PORT = 15001;
const BASE = `http://127.0.0.1:${PORT}`;
const GROUP_PREFIX = 'esoz-notify-test.resolver';
const RESOLVER_GROUP = `${GROUP_PREFIX}.resolver`;
const PERSON_WAIT_SECONDS = 2;
const SUPPORT_TOKEN = 'resolver-int-spec-support-token';
const env = {
  ...process.env,
  NODE_ENV: 'test',
  LOG_LEVEL: 'error',
  PORT: String(PORT),
  KAFKA_GROUP_PREFIX: GROUP_PREFIX,
  PERSON_WAIT_SECONDS: String(PERSON_WAIT_SECONDS),
  DIIA_ENABLED: 'true',
  RELATIONSHIP_CHECK: 'true',
  ADULT_AGE: '14',
  CONFIDANT_MIN_AGE: '18',
  SUPPORT_TOKEN,
  CODE_ENCRYPTION_KEY: LOCAL_SECRETS.CODE_ENCRYPTION_KEY,
};
const cipher = new CodeCipher(LOCAL_SECRETS.CODE_ENCRYPTION_KEY);

const DELIVERY_TOPICS = [Topic.DeliveryDiia, Topic.DeliveryViber, Topic.DeliverySms, Topic.DeliverySlip];
const READ_TOPICS = [...DELIVERY_TOPICS, Topic.NotificationStatus, dlqTopic(Topic.Person)];
const TERMINAL = ['DELIVERED', 'FAILED', 'EXPIRED', 'SKIPPED', 'REJECTED', 'SLIP_READY'];
const UUID_PATTERN = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

interface Seen {
  topic: string;
  key: string | null;
  raw: string;
  headers: Record<string, string>;
}

interface StatusRow {
  status: string;
  channel: string | null;
  reason: string | null;
  recipient: { personId: string; role: string; maskedPhone?: string } | null;
  at: Date;
}

describe('resolver on the real broker and database', () => {
  let running: Awaited<ReturnType<typeof startResolver>>;
  let producer: Producer;
  let admin: Admin;
  let reader: Consumer;
  let db: Client;
  const readerGroup = `${GROUP_PREFIX}.probe-${randomUUID()}`;
  const seen = new Map<string, Seen>(); // by topic/partition/offset: a re-read message counts once

  beforeAll(async () => {
    const kafka = testKafka();
    admin = kafka.admin();
    await admin.connect();
    await startGroupsAtEnd({ [RESOLVER_GROUP]: [Topic.Person, Topic.NotificationRequested] });

    const watermarks = new Map<string, { partition: number; offset: string }[]>();
    for (const topic of READ_TOPICS) {
      watermarks.set(
        topic,
        (await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => ({ partition, offset: high })),
      );
    }
    reader = kafka.consumer({ groupId: readerGroup, maxWaitTimeInMs: 100 });
    await reader.connect();
    await reader.subscribe({ topics: READ_TOPICS, fromBeginning: false });
    await reader.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        seen.set(`${topic}/${partition}/${message.offset}`, {
          topic,
          key: message.key?.toString() ?? null,
          raw: message.value?.toString() ?? '',
          headers: Object.fromEntries(
            Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]),
          ),
        });
      },
    });
    for (const [topic, partitions] of watermarks) {
      for (const { partition, offset } of partitions) reader.seek({ topic, partition, offset });
    }

    running = await startResolver(env);
    producer = kafka.producer();
    await producer.connect();
    db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await reader?.disconnect();
    await running?.close();
    await admin?.deleteGroups([readerGroup]).catch(() => undefined);
    await admin?.disconnect();
    await db?.end();
  });

  // ---- producing ----

  /** Sends snapshots (null = tombstone) and returns once the resolver has committed past them. */
  async function sendPersons(...messages: { key: string; value: PersonSnapshot | string | null }[]) {
    for (const { key, value } of messages) {
      const [meta] = await producer.send({
        topic: Topic.Person,
        messages: [
          { key, value: value === null || typeof value === 'string' ? value : JSON.stringify(value) },
        ],
      });
      await consumedByResolver(Topic.Person, meta.partition, meta.baseOffset!);
    }
  }

  async function consumedByResolver(topic: string, partition: number, offset: string) {
    await eventually(async () => {
      const [committed] = await admin.fetchOffsets({ groupId: RESOLVER_GROUP, topics: [topic] });
      const at = committed.partitions.find((entry) => entry.partition === partition)?.offset ?? '-1';
      return BigInt(at) > BigInt(offset) ? true : undefined;
    }, `resolver to consume ${topic}/${partition}@${offset}`);
  }

  async function sendEvents(...events: NotificationRequested[]) {
    await producer.send({
      topic: Topic.NotificationRequested,
      messages: events.map((event) => ({ key: event.subjectPersonId, value: JSON.stringify(event) })),
    });
  }

  // ---- reading what the resolver recorded and emitted ----

  const timeline = async (eventId: string): Promise<StatusRow[]> =>
    (
      await db.query(
        `SELECT status, channel, reason, recipient, at FROM notification_status_log WHERE event_id = $1 ORDER BY id`,
        [eventId],
      )
    ).rows;

  const notificationOf = async (eventId: string) =>
    (
      await db.query(
        `SELECT id, state, created_at, resolved_at, wait_until FROM notification WHERE event_id = $1`,
        [eventId],
      )
    ).rows[0] as
      | { id: string; state: string; created_at: Date; resolved_at: Date | null; wait_until: Date | null }
      | undefined;

  /** Waits for the event's terminal status (or RESOLVED, the resolver's last word on a deliverable one). */
  const decided = (eventId: string) =>
    eventually(async () => {
      const rows = await timeline(eventId);
      return rows.some((row) => row.status === 'RESOLVED' || TERMINAL.includes(row.status))
        ? rows
        : undefined;
    }, `a decision on ${eventId}`);

  /** Delivery commands for the event that our resolver (our database's notification id) emitted. */
  async function commandsOf(eventId: string) {
    const notification = await notificationOf(eventId);
    return [...seen.values()]
      .filter((message) => (DELIVERY_TOPICS as string[]).includes(message.topic))
      .map((message) => ({ ...message, command: JSON.parse(message.raw) as DeliveryCommand }))
      .filter(({ command }) => command.eventId === eventId && command.notificationId === notification?.id);
  }

  const oneCommandOf = (eventId: string) =>
    eventually(async () => {
      const commands = await commandsOf(eventId);
      return commands.length > 0 ? commands : undefined;
    }, `a delivery command for ${eventId}`).then((commands) => {
      expect(commands).toHaveLength(1);
      return commands[0];
    });

  /**
   * Proves a negative ("no command was emitted"): a later event's command has come through the same outbox
   * (so anything enqueued before it was published with it or earlier) and our reader has had a moment.
   */
  async function afterEverythingEmitted() {
    const person = adultWithOtp();
    await sendPersons({ key: person.id, value: person });
    const marker = prescriptionEvent(person.id);
    await sendEvents(marker);
    await oneCommandOf(marker.eventId);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }

  const support = (eventId: string, authorization?: string) =>
    fetch(`${BASE}/notifications/${eventId}`, {
      headers: authorization === undefined ? {} : { authorization },
    });

  // ---- cases ----

  it('adult with OTP and a tax id: RESOLVED, a DIIA command with [VIBER, SMS] left and only the sealed code', async () => {
    const phone = uniquePhone();
    const person = adultWithOtp({ phone, taxId: uniqueTaxId() });
    const code = secretCode(phone, person.taxId!);
    const event = prescriptionEvent(person.id, {});
    event.payload = { ...event.payload, verificationCode: code };
    await sendPersons({ key: person.id, value: person });
    await sendEvents(event);

    const rows = await decided(event.eventId);
    expect(rows.map((row) => row.status)).toEqual(['RESOLVED']);
    expect(rows[0].recipient).toEqual({
      personId: person.id,
      role: 'SUBJECT',
      maskedPhone: maskPhone(phone),
    });

    const { topic, key, raw, command } = await oneCommandOf(event.eventId);
    const notification = await notificationOf(event.eventId);
    expect(topic).toBe(Topic.DeliveryDiia);
    expect(key).toBe(notification!.id);
    expect(command).toMatchObject({
      eventId: event.eventId,
      type: 'MEDICATION_REQUEST_CREATED',
      channel: 'DIIA',
      remainingPlan: ['VIBER', 'SMS'],
      step: 1,
      recipient: { personId: person.id, role: 'SUBJECT', phone, taxId: person.taxId },
      content: { number: event.payload.number, subjectBirthDate: person.birthDate },
    });
    expect(typeof command.content.sealedCode).toBe('string');
    expect(cipher.open(command.content.sealedCode!)).toBe(code);
    expect(withoutIds(raw)).not.toContain(code);
    expect(raw).not.toContain('verificationCode');

    // The RESOLVED status the resolver announces on esoz.notification.status.v1: masked, no code.
    const announced = await eventually(async () => {
      const statuses = [...seen.values()].filter(
        (message) =>
          message.topic === Topic.NotificationStatus &&
          message.key === event.eventId &&
          JSON.parse(message.raw).notificationId === notification!.id,
      );
      return statuses.length > 0 ? statuses : undefined;
    }, 'the RESOLVED status on the status topic');
    expect(announced).toHaveLength(1);
    expect(JSON.parse(announced[0].raw)).toMatchObject({
      status: 'RESOLVED',
      recipient: { personId: person.id, role: 'SUBJECT', maskedPhone: maskPhone(phone) },
    });
    expect(announced[0].raw).not.toContain(phone.slice(-9));
    expect(withoutIds(announced[0].raw)).not.toContain(code);
  });

  it('child under 14 with an own OTP and a VERIFIED mother: resolved to the mother as REPRESENTATIVE', async () => {
    const mother = adultWithOtp({ taxId: uniqueTaxId(), firstName: 'Ірина' });
    const childPhone = uniquePhone();
    const child = childOf(mother, { ownOtpPhone: childPhone });
    await sendPersons({ key: mother.id, value: mother }, { key: child.id, value: child });
    const event = prescriptionEvent(child.id);
    await sendEvents(event);

    const rows = await decided(event.eventId);
    const motherPhone = mother.phones[0].number;
    expect(rows.map((row) => row.status)).toEqual(['RESOLVED']);
    expect(rows[0].recipient).toEqual({
      personId: mother.id,
      role: 'REPRESENTATIVE',
      maskedPhone: maskPhone(motherPhone),
    });
    const { topic, raw, command } = await oneCommandOf(event.eventId);
    expect(topic).toBe(Topic.DeliveryDiia); // the mother's own tax id
    expect(command.recipient).toMatchObject({
      personId: mother.id,
      role: 'REPRESENTATIVE',
      phone: motherPhone,
      taxId: mother.taxId,
    });
    expect(command.content.subjectName).toMatchObject({
      firstName: child.firstName,
      lastName: child.lastName,
    });
    expect(raw).not.toContain(childPhone);
  });

  it('OFFLINE patient: an e-prescription becomes a SLIP command, an AUTH_OTP is SKIPPED / OFFLINE_RECIPIENT', async () => {
    const person = offlinePerson();
    await sendPersons({ key: person.id, value: person });
    const prescription = prescriptionEvent(person.id);
    const otp = authOtpEvent(person.id, '5930');
    await sendEvents(prescription, otp);

    const resolved = await decided(prescription.eventId);
    expect(resolved.map((row) => row.status)).toEqual(['RESOLVED']);
    expect(resolved[0].recipient).toEqual({ personId: person.id, role: 'SUBJECT' });
    const { topic, command } = await oneCommandOf(prescription.eventId);
    expect(topic).toBe(Topic.DeliverySlip);
    expect(command).toMatchObject({ channel: 'SLIP', remainingPlan: [], step: 1 });
    expect(command.recipient.phone).toBeUndefined();
    expect(cipher.open(command.content.sealedCode!)).toBe(prescription.payload.verificationCode);

    const skipped = await decided(otp.eventId);
    expect(skipped.map((row) => `${row.status}:${row.reason}`)).toEqual(['SKIPPED:OFFLINE_RECIPIENT']);
    await afterEverythingEmitted();
    expect(await commandsOf(otp.eventId)).toEqual([]);
  });

  it('preperson, notificationsDisabled: SKIPPED with the reason and no command', async () => {
    const preperson = adultWithOtp({ isPreperson: true });
    const adult = adultWithOtp();
    await sendPersons({ key: preperson.id, value: preperson }, { key: adult.id, value: adult });
    const toPreperson = prescriptionEvent(preperson.id);
    const disabled = prescriptionEvent(adult.id);
    disabled.payload = { ...disabled.payload, notificationsDisabled: true };
    await sendEvents(toPreperson, disabled);

    expect((await decided(toPreperson.eventId)).map((row) => `${row.status}:${row.reason}`)).toEqual([
      'SKIPPED:PREPERSON',
    ]);
    expect((await decided(disabled.eventId)).map((row) => `${row.status}:${row.reason}`)).toEqual([
      'SKIPPED:NOTIFICATIONS_DISABLED',
    ]);
    await afterEverythingEmitted();
    expect(await commandsOf(toPreperson.eventId)).toEqual([]);
    expect(await commandsOf(disabled.eventId)).toEqual([]);
  });

  it('a second SERVICE_REQUEST_CREATED for the same encounter is SKIPPED / DUPLICATE_ENCOUNTER', async () => {
    const person = adultWithOtp();
    await sendPersons({ key: person.id, value: person });
    const encounterId = randomUUID();
    const first = referralEvent(person.id, encounterId);
    const second = referralEvent(person.id, encounterId);
    await sendEvents(first);
    expect((await decided(first.eventId)).map((row) => row.status)).toEqual(['RESOLVED']);
    await sendEvents(second);

    expect((await decided(second.eventId)).map((row) => `${row.status}:${row.reason}`)).toEqual([
      'SKIPPED:DUPLICATE_ENCOUNTER',
    ]);
    expect((await oneCommandOf(first.eventId)).topic).toBe(Topic.DeliveryViber); // no tax id: no Diia
    await afterEverythingEmitted();
    expect(await commandsOf(second.eventId)).toEqual([]);
  });

  it('a repeated event id (in the same batch and later) gives one RESOLVED and one command', async () => {
    const person = adultWithOtp();
    await sendPersons({ key: person.id, value: person });
    const event = prescriptionEvent(person.id);
    await sendEvents(event, event);
    await decided(event.eventId);
    await sendEvents(event);
    // Same key, same partition: once the marker is decided, the repeat before it has been consumed.
    const marker = prescriptionEvent(person.id);
    await sendEvents(marker);
    await decided(marker.eventId);
    await afterEverythingEmitted();

    expect((await timeline(event.eventId)).map((row) => row.status)).toEqual(['RESOLVED']);
    expect(await commandsOf(event.eventId)).toHaveLength(1);
  });

  it('an event that arrives before its person waits and is resolved as soon as the snapshot arrives', async () => {
    const person = adultWithOtp();
    const event = prescriptionEvent(person.id);
    await sendEvents(event);
    await eventually(
      async () => ((await notificationOf(event.eventId))?.state === 'WAITING_FOR_PERSON' ? true : undefined),
      'the event to wait for its person',
    );
    expect(await timeline(event.eventId)).toEqual([]);
    await sendPersons({ key: person.id, value: person });

    const rows = await decided(event.eventId);
    expect(rows.map((row) => row.status)).toEqual(['RESOLVED']);
    const notification = await notificationOf(event.eventId);
    // Resolved by the snapshot's arrival, not by the wait deadline's sweep.
    expect(notification!.resolved_at!.getTime() - notification!.created_at.getTime()).toBeLessThan(
      PERSON_WAIT_SECONDS * 1000,
    );
    expect((await oneCommandOf(event.eventId)).command.recipient.phone).toBe(person.phones[0].number);
  });

  it('a backlog of events ahead of their snapshots (a confidant last) ends with the decisions made in order', async () => {
    /** Who each event reached, as support and upstream see it. */
    const recipientOf = async (eventId: string) => {
      const rows = await decided(eventId);
      const last = rows.at(-1)!;
      return `${last.status}:${last.recipient?.role ?? '-'}:${last.recipient?.maskedPhone ?? '-'}`;
    };
    const family = () => {
      const mother = adultWithOtp({ firstName: 'Ірина' });
      const child = childOf(mother, { ownOtpPhone: uniquePhone() });
      const adult = adultWithOtp();
      return { mother, child, adult, events: [prescriptionEvent(child.id), prescriptionEvent(adult.id)] };
    };

    // In order: every snapshot first.
    const inOrder = Array.from({ length: 5 }, family);
    await sendPersons(
      ...inOrder.flatMap(({ mother, child, adult }) =>
        [mother, child, adult].map((p) => ({ key: p.id, value: p })),
      ),
    );
    await sendEvents(...inOrder.flatMap(({ events }) => events));
    const expected = await Promise.all(
      inOrder.flatMap(({ events }) => events.map((e) => recipientOf(e.eventId))),
    );
    expect(expected.filter((decision) => decision.includes('REPRESENTATIVE'))).toHaveLength(5);

    // Out of order, as a resolver catching up on a backlog sees it: events, then subjects, then confidants.
    const backlog = Array.from({ length: 5 }, family);
    await sendEvents(...backlog.flatMap(({ events }) => events));
    await producer.send({
      topic: Topic.Person,
      messages: backlog
        .flatMap(({ child, adult }) => [child, adult])
        .map((p) => ({ key: p.id, value: JSON.stringify(p) })),
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await producer.send({
      topic: Topic.Person,
      messages: backlog.map(({ mother }) => ({ key: mother.id, value: JSON.stringify(mother) })),
    });
    const actual = await Promise.all(
      backlog.flatMap(({ events }) => events.map((e) => recipientOf(e.eventId))),
    );

    // The same decisions, person for person (phones differ: compare the shape of each decision).
    const shape = (decision: string) => decision.replace(/:\+38\d{3}\*{5}\d{2}$/, ':phone');
    expect(actual.map(shape)).toEqual(expected.map(shape));
    for (const [index, { mother }] of backlog.entries())
      expect(actual[index * 2]).toBe(`RESOLVED:REPRESENTATIVE:${maskPhone(mother.phones[0].number)}`);
  });

  it('an unknown person: FAILED / UNKNOWN_PERSON after PERSON_WAIT_SECONDS', async () => {
    const event = prescriptionEvent(randomUUID());
    await sendEvents(event);
    const rows = await decided(event.eventId);
    expect(rows.map((row) => `${row.status}:${row.reason}`)).toEqual(['FAILED:UNKNOWN_PERSON']);
    const notification = await notificationOf(event.eventId);
    expect(rows[0].at.getTime() - notification!.created_at.getTime()).toBeGreaterThanOrEqual(
      PERSON_WAIT_SECONDS * 1000 - 50,
    );
    await afterEverythingEmitted();
    expect(await commandsOf(event.eventId)).toEqual([]);
  });

  it('a tombstone removes the person: a later event for them waits, then FAILS / UNKNOWN_PERSON', async () => {
    const person = adultWithOtp();
    await sendPersons({ key: person.id, value: person });
    const before = prescriptionEvent(person.id);
    await sendEvents(before);
    expect((await decided(before.eventId)).map((row) => row.status)).toEqual(['RESOLVED']);

    await sendPersons({ key: person.id, value: null });
    expect((await db.query(`SELECT 1 FROM person WHERE id = $1`, [person.id])).rows).toHaveLength(0);
    const after = prescriptionEvent(person.id);
    await sendEvents(after);
    const rows = await decided(after.eventId);
    expect(rows.map((row) => `${row.status}:${row.reason}`)).toEqual(['FAILED:UNKNOWN_PERSON']);
    const notification = await notificationOf(after.eventId);
    expect(rows[0].at.getTime() - notification!.created_at.getTime()).toBeGreaterThanOrEqual(
      PERSON_WAIT_SECONDS * 1000 - 50,
    );
  });

  it('an older snapshot (smaller updatedAt) after a newer one is ignored', async () => {
    const id = randomUUID();
    const newer = adultWithOtp({ id, phone: uniquePhone(), updatedAt: new Date().toISOString() });
    const older = adultWithOtp({
      id,
      phone: uniquePhone(),
      updatedAt: new Date(Date.now() - 3_600_000).toISOString(),
    });
    await sendPersons({ key: id, value: newer });
    await sendPersons({ key: id, value: older });
    const event = prescriptionEvent(id);
    await sendEvents(event);

    expect((await decided(event.eventId)).map((row) => row.status)).toEqual(['RESOLVED']);
    expect((await oneCommandOf(event.eventId)).command.recipient.phone).toBe(newer.phones[0].number);
  });

  it('a malformed snapshot goes to esoz.person.v1.dlq with a reason naming the field, not the value', async () => {
    const person = adultWithOtp();
    const badPhone = '0' + person.phones[0].number.slice(4); // 0XXXXXXXXX: not +380...
    const malformed = {
      ...person,
      authenticationMethods: [{ ...person.authenticationMethods[0], phoneNumber: badPhone }],
    };
    // Same key, same partition: the valid snapshot right behind the bad ones is still applied.
    await sendPersons(
      { key: person.id, value: JSON.stringify(malformed) },
      { key: person.id, value: '{"id": broken' },
      { key: person.id, value: person },
    );
    const stored = await db.query(`SELECT snapshot FROM person WHERE id = $1`, [person.id]);
    expect(stored.rows[0].snapshot.authenticationMethods[0].phoneNumber).toBe(person.phones[0].number);

    const dead = await eventually(async () => {
      const found = [...seen.values()].filter(
        (message) =>
          message.topic === dlqTopic(Topic.Person) &&
          message.key === person.id &&
          message.headers['x-consumer-group'] === RESOLVER_GROUP,
      );
      return found.length >= 2 ? found : undefined;
    }, 'the malformed snapshots in the person DLQ');
    expect(dead).toHaveLength(2);
    expect(dead.map((message) => message.headers['x-original-topic'])).toEqual([Topic.Person, Topic.Person]);
    const reasons = dead.map((message) => message.headers['x-dlq-reason']).sort();
    expect(reasons[0]).toBe('INVALID_JSON');
    expect(reasons[1]).toMatch(/^INVALID_MESSAGE: authenticationMethods\.0\.phoneNumber/);
    expect(reasons[1]).not.toContain(badPhone);
    expect(dead.some((message) => message.raw === JSON.stringify(malformed))).toBe(true); // original bytes
  });

  it('GET /notifications/:eventId: 401 without or with a wrong token, 404 unknown, 400 not a uuid', async () => {
    const person = adultWithOtp();
    await sendPersons({ key: person.id, value: person });
    const event = prescriptionEvent(person.id);
    await sendEvents(event);
    await decided(event.eventId);

    expect((await support(event.eventId)).status).toBe(401);
    expect((await support(event.eventId, 'Bearer wrong-token')).status).toBe(401);
    expect((await support(event.eventId, SUPPORT_TOKEN)).status).toBe(401); // no "Bearer "
    expect((await support(event.eventId, `Bearer ${SUPPORT_TOKEN}x`)).status).toBe(401);
    expect((await support('not-a-uuid')).status).toBe(401);
    expect((await support(randomUUID(), `Bearer ${SUPPORT_TOKEN}`)).status).toBe(404);
    expect((await support('not-a-uuid', `Bearer ${SUPPORT_TOKEN}`)).status).toBe(400);
  });

  it('GET /notifications/:eventId shows the decision and timeline, masked, with no full phone and no code', async () => {
    const mother = adultWithOtp({ taxId: uniqueTaxId() });
    const motherPhone = mother.phones[0].number;
    const child = childOf(mother, { ownOtpPhone: uniquePhone() });
    await sendPersons({ key: mother.id, value: mother }, { key: child.id, value: child });
    const code = secretCode(motherPhone, child.authenticationMethods[0].phoneNumber!, mother.taxId!);
    const event = prescriptionEvent(child.id);
    event.payload = { ...event.payload, verificationCode: code };
    await sendEvents(event);
    await decided(event.eventId);

    const response = await support(event.eventId, `Bearer ${SUPPORT_TOKEN}`);
    expect(response.status).toBe(200);
    const text = await response.text();
    const body = JSON.parse(text);
    const thirdPerson = child.authenticationMethods.find((method) => method.type === 'THIRD_PERSON')!;
    expect(body).toMatchObject({
      eventId: event.eventId,
      notificationId: (await notificationOf(event.eventId))!.id,
      type: 'MEDICATION_REQUEST_CREATED',
      subjectPersonId: child.id,
      state: 'RESOLVED',
      decision: {
        outcome: 'RESOLVED',
        recipient: {
          personId: mother.id,
          role: 'REPRESENTATIVE',
          maskedPhone: maskPhone(motherPhone),
          hasTaxId: true,
        },
        method: { id: mother.authenticationMethods[0].id, type: 'OTP', via: thirdPerson.id },
        plan: ['DIIA', 'VIBER', 'SMS'],
      },
      timeline: [
        {
          status: 'RESOLVED',
          recipient: { personId: mother.id, role: 'REPRESENTATIVE', maskedPhone: maskPhone(motherPhone) },
        },
      ],
    });
    expect(body.decision.recipient.maskedPhone).toMatch(/^\+38093\*{5}\d{2}$/);
    // The explanation says why: the child's own OTP ignored (under 14), the mother's link chosen.
    expect(body.decision.explanation).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          methodId: child.authenticationMethods[0].id,
          verdict: 'REJECTED',
          why: 'SUBJECT_UNDER_14',
        }),
        expect.objectContaining({
          methodId: thirdPerson.id,
          type: 'THIRD_PERSON',
          confidantPersonId: mother.id,
          verdict: 'CHOSEN',
        }),
      ]),
    );
    for (const phone of [motherPhone, child.authenticationMethods[0].phoneNumber!]) {
      expect(text).not.toContain(phone.slice(-9)); // neither +380..., 380... nor 0... spelling
    }
    expect(withoutIds(text)).not.toContain(code);
    expect(text).not.toContain('sealedCode');
    expect(text).not.toContain(mother.taxId!);
  });
});

// ---- fixtures and helpers ----

/** A 4-digit code that occurs in none of the given values, so "the code is absent" cannot pass or fail by chance. */
function secretCode(...values: string[]): string {
  const years = [new Date().getUTCFullYear(), new Date().getUTCFullYear() + 1].map(String);
  for (;;) {
    const code = String(1000 + Math.floor(Math.random() * 9000));
    if (
      ![...values, ...years, '0000-K8K5-5MTE-352H', '2026-11-23', '2026-12-23', '1985-04-12'].some((v) =>
        v.includes(code),
      )
    )
      return code;
  }
}

/** Random ids are the only place four digits in a row can appear by chance. */
const withoutIds = (text: string) => text.replace(UUID_PATTERN, '<id>');

function yearsAgo(years: number): string {
  const date = new Date();
  return `${date.getUTCFullYear() - years}-01-15`;
}

function childOf(mother: PersonSnapshot, { ownOtpPhone }: { ownOtpPhone: string }): PersonSnapshot {
  const base = adultWithOtp({ phone: ownOtpPhone });
  return {
    ...base,
    birthDate: yearsAgo(10),
    firstName: 'Марко',
    authenticationMethods: [
      { ...base.authenticationMethods[0], insertedAt: '2021-01-01T00:00:00Z' }, // own OTP: ignored under 14
      {
        id: randomUUID(),
        type: 'THIRD_PERSON',
        value: mother.id,
        alias: 'мама',
        isActive: true,
        startedAt: '2021-02-01T00:00:00Z',
        insertedAt: '2021-02-01T00:00:00Z',
      },
    ],
    confidantPersons: [
      {
        personId: mother.id,
        relationType: 'PRIMARY',
        verificationStatus: 'VERIFIED',
        documentsRelationship: [{ type: 'BIRTH_CERTIFICATE', number: 'І-БК 123456' }],
      },
    ],
  };
}

function offlinePerson(): PersonSnapshot {
  const base = adultWithOtp();
  return {
    ...base,
    phones: [],
    authenticationMethods: [
      {
        id: randomUUID(),
        type: 'OFFLINE',
        isActive: true,
        startedAt: '2020-01-01T00:00:00Z',
        insertedAt: '2020-01-01T00:00:00Z',
      },
    ],
  };
}

function authOtpEvent(subjectPersonId: string, code: string): NotificationRequested {
  return {
    eventId: randomUUID(),
    type: 'AUTH_OTP',
    occurredAt: new Date().toISOString(),
    subjectPersonId,
    expiresAt: new Date(Date.now() + 300_000).toISOString(),
    payload: { verificationCode: code },
  };
}

function referralEvent(subjectPersonId: string, encounterId: string): NotificationRequested {
  return {
    eventId: randomUUID(),
    type: 'SERVICE_REQUEST_CREATED',
    occurredAt: new Date().toISOString(),
    subjectPersonId,
    payload: { number: '1234-5678-9ABC-DEF0', encounterId },
  };
}
