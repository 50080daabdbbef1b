import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type DeliveryCommand,
  dlqTopic,
  type NotificationRequested,
  type PersonSnapshot,
  Topic,
} from '@app/contracts';
import { signWebhookBody } from '@app/providers';
import {
  adultWithOtp,
  eventually,
  prescriptionEvent,
  produce,
  startGroupsAtEnd,
  testKafka,
  uniqueTaxId,
} from '@app/testing';
import type { Admin, Producer } from 'kafkajs';
import { Client } from 'pg';
import { startDiiaPushStub } from '../apps/diia-push-stub/src/main';
import { startProviderSimulator } from '../apps/provider-simulator/src/main';
import { startResolver } from '../apps/resolver/src/main';
import { startSmsSender } from '../apps/sms-sender/src/main';
import { startViberSender } from '../apps/viber-sender/src/main';

jest.setTimeout(30_000);

// Own ports and consumer groups, so this file can run beside `npm start` and other engineers' suites.
const PORT = { resolver: 14001, viber: 14002, sms: 14003, diia: 14004, simulator: 14100 };
const SIMULATOR = `http://127.0.0.1:${PORT.simulator}`;
const DIIA_STUB = `http://127.0.0.1:${PORT.diia}`;
const VIBER_WEBHOOK = `http://127.0.0.1:${PORT.viber}/webhooks/turbosms`;
const WEBHOOK_SECRET = 'local-webhook-secret';

/** Viber waits this long for a report on messages with a code (AUTH_OTP, new e-prescription)... */
const VIBER_CODE_TIMEOUT_S = 2;
/** ...and this long on other types: long enough to stop the sender in the middle of the wait. */
const VIBER_TIMEOUT_S = 5;

const GROUP_PREFIX = 'esoz-notify-test.channels';
const env = {
  ...process.env,
  LOG_LEVEL: 'warn',
  KAFKA_GROUP_PREFIX: GROUP_PREFIX,
  PROVIDER_BASE_URL: SIMULATOR,
  WEBHOOK_SECRET,
};
const viberEnv = {
  ...env,
  PORT: String(PORT.viber),
  CODE_REPORT_TIMEOUT_SECONDS: String(VIBER_CODE_TIMEOUT_S),
  REPORT_TIMEOUT_SECONDS: String(VIBER_TIMEOUT_S),
};

type Running = { close(): Promise<void> };
type Behaviour =
  | 'DELIVERED'
  | 'NOT_VIBER_USER'
  | 'USER_BLOCKED'
  | 'UNDELIVERED'
  | 'EXPIRED'
  | 'NO_REPORT'
  | 'ERROR_5XX'
  | 'REJECTED';

interface StatusRow {
  status: string;
  channel: string | null;
  reason: string | null;
  at: Date;
}

interface DeliveryRow {
  id: string;
  channel: string;
  state: string;
  attempts: number;
  provider_message_id: string | null;
  last_error: string | null;
  late_report: string | null;
  report_deadline_at: Date | null;
}

const TERMINAL = ['DELIVERED', 'FAILED', 'EXPIRED', 'SKIPPED', 'REJECTED', 'SLIP_READY'];

describe('channels: Diia → Viber → SMS with fallback (real Kafka, Postgres, simulator, Diia stub)', () => {
  const running: Record<'simulator' | 'resolver' | 'viber' | 'sms' | 'diia', Running | undefined> = {
    simulator: undefined,
    resolver: undefined,
    viber: undefined,
    sms: undefined,
    diia: undefined,
  };
  let producer: Producer;
  let admin: Admin;
  let db: Client;

  beforeAll(async () => {
    // Each group joins once per topic to move its offsets (~5 s each): the groups go in parallel.
    const groups = {
      [`${GROUP_PREFIX}.resolver`]: [Topic.Person, Topic.NotificationRequested],
      [`${GROUP_PREFIX}.diia-push-stub`]: [Topic.DeliveryDiia],
      [`${GROUP_PREFIX}.viber-sender`]: [Topic.DeliveryViber],
      [`${GROUP_PREFIX}.sms-sender`]: [Topic.DeliverySms],
    };
    await Promise.all(Object.entries(groups).map(([group, topics]) => startGroupsAtEnd({ [group]: topics })));
    running.simulator = await startProviderSimulator({
      ...env,
      PORT: String(PORT.simulator),
      VIBER_CALLBACK_URL: VIBER_WEBHOOK,
      SMS_CALLBACK_URL: `http://127.0.0.1:${PORT.sms}/webhooks/turbosms`,
      REPORT_DELAY_MS: '100',
    });
    running.resolver = await startResolver({ ...env, PORT: String(PORT.resolver), DIIA_ENABLED: 'true' });
    running.diia = await startDiiaPushStub({
      ...env,
      PORT: String(PORT.diia),
      CODE_REPORT_TIMEOUT_SECONDS: '3',
      STUB_REPORT_DELAY_MS: '100',
    });
    running.viber = await startViberSender(viberEnv);
    running.sms = await startSmsSender({
      ...env,
      PORT: String(PORT.sms),
      CODE_REPORT_TIMEOUT_SECONDS: '10',
      SMS_MAX_BACKOFF_SECONDS: '1',
    });
    producer = testKafka().producer();
    await producer.connect();
    admin = testKafka().admin();
    await admin.connect();
    db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
  }, 90_000);

  afterAll(async () => {
    await producer?.disconnect();
    await admin?.disconnect();
    await db?.end();
    for (const name of ['resolver', 'diia', 'viber', 'sms', 'simulator'] as const)
      await running[name]?.close();
  });

  // ---- helpers ------------------------------------------------------------------------------------------

  /**
   * Publishes the person snapshots and waits until the resolver stored them, then publishes the events.
   * (An event racing its own person snapshot is the resolver's concern, not this file's.)
   */
  async function notify(persons: PersonSnapshot[], events: NotificationRequested[]): Promise<void> {
    await produce(
      producer,
      Topic.Person,
      persons.map((person) => ({ key: person.id, value: person })),
    );
    await eventually(async () => {
      const { rows } = await db.query(
        `SELECT count(*)::int AS stored FROM person WHERE id = ANY($1::uuid[])`,
        [persons.map((person) => person.id)],
      );
      return rows[0].stored === persons.length ? true : undefined;
    }, 'person snapshots stored by the resolver');
    await produce(
      producer,
      Topic.NotificationRequested,
      events.map((event) => ({ key: event.subjectPersonId, value: event })),
    );
  }

  /**
   * The event's status rows written by this file's pipeline. Other suites on the same broker may run their
   * own resolver on our events; their commands carry their own notification id, so we keep only ours.
   */
  async function statusRows(eventId: string): Promise<StatusRow[]> {
    const { rows } = await db.query<StatusRow>(
      `SELECT status, channel, reason, at FROM notification_status_log
       WHERE event_id = $1 AND notification_id = (SELECT id FROM notification WHERE event_id = $1)
       ORDER BY id`,
      [eventId],
    );
    return rows;
  }

  const describeRows = (rows: StatusRow[]) =>
    rows.map((row) => `${row.status}:${row.channel ?? ''}:${row.reason ?? ''}`);

  /** Waits for the terminal status and returns the whole sequence as `status:channel:reason`. */
  async function finalTimeline(eventId: string, timeoutMs = 20_000): Promise<string[]> {
    const rows = await eventually(
      async () => {
        const found = await statusRows(eventId);
        if (found.some((row) => TERMINAL.includes(row.status))) return found;
        await failIfTakenOver(eventId);
        return undefined;
      },
      `terminal status of ${eventId}`,
      timeoutMs,
    );
    return describeRows(rows);
  }

  /** Channel attempts of the event's notification, in the order they were created. */
  async function deliveries(eventId: string): Promise<DeliveryRow[]> {
    const { rows } = await db.query<DeliveryRow>(
      `SELECT d.id, d.channel, d.state, d.attempts, d.provider_message_id, d.last_error, d.late_report, d.report_deadline_at
       FROM delivery d JOIN notification n ON n.id = d.notification_id
       WHERE n.event_id = $1 ORDER BY d.created_at, d.id`,
      [eventId],
    );
    return rows;
  }

  async function deliveryOn(eventId: string, channel: string): Promise<DeliveryRow> {
    return eventually(async () => {
      const found = (await deliveries(eventId)).find((row) => row.channel === channel);
      if (found) return found;
      await failIfTakenOver(eventId, channel);
      return undefined;
    }, `${channel} delivery of ${eventId}`);
  }

  /**
   * Topics are shared: another suite running on the same broker resolves our events too, and its commands
   * (with its own notification id) reach our senders. Ours usually win; when theirs took a step first (one
   * delivery per event, channel and step) or the terminal status, this event cannot finish here: say so
   * rather than time out. With `channel`: a delivery of theirs on that channel; else a terminal of theirs.
   */
  async function failIfTakenOver(eventId: string, channel?: string): Promise<void> {
    const { rows } = await db.query(
      channel
        ? `SELECT 1 FROM delivery d JOIN notification n ON n.event_id = d.event_id
           WHERE d.event_id = $1 AND d.channel = $2 AND d.notification_id <> n.id`
        : `SELECT 1 FROM notification_status_log s JOIN notification n ON n.event_id = s.event_id
           WHERE s.event_id = $1 AND s.is_terminal AND s.notification_id <> n.id`,
      channel ? [eventId, channel] : [eventId],
    );
    if (rows.length > 0)
      throw new Error(
        `another suite on this broker handled event ${eventId} first; run this file alone or on a broker of its own (KAFKA_BROKERS)`,
      );
  }

  async function setPhoneBehaviour(phone: string, behaviour: { viber?: Behaviour; sms?: Behaviour }) {
    const response = await fetch(`${SIMULATOR}/__control/recipients/${encodeURIComponent(phone)}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(behaviour),
    });
    expect(response.status).toBe(200);
  }

  async function setDiiaBehaviour(taxId: string, diia: 'READ' | 'SENT' | 'NOT_FOUND' | 'ERROR') {
    const response = await fetch(`${DIIA_STUB}/__control/recipients/${taxId}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ diia }),
    });
    expect(response.status).toBe(204);
  }

  /** What the simulator accepted for our deliveries (sequence_id = our delivery id), as `channel`. */
  async function providerMessages(eventId: string, phone: string) {
    const ours = new Set((await deliveries(eventId)).map((row) => row.id));
    const response = await fetch(`${SIMULATOR}/__control/messages?phone=${encodeURIComponent(phone)}`);
    const all = (await response.json()) as {
      id: string;
      channel: string;
      text: string;
      sequenceId: string;
    }[];
    return all.filter((message) => ours.has(message.sequenceId));
  }

  /** Pushes the Diia stub accepted for our deliveries. */
  async function diiaPushes(eventId: string) {
    const ours = new Set((await deliveries(eventId)).flatMap((row) => row.provider_message_id ?? []));
    const response = await fetch(`${DIIA_STUB}/__control/messages`);
    const all = (await response.json()) as { id: string; title: string; shortText: string; status: string }[];
    return all.filter((push) => ours.has(push.id));
  }

  const phoneOf = (person: PersonSnapshot) => person.phones[0].number;

  /** How many messages a topic has received in all (the sum of its partitions' end offsets). */
  async function messagesIn(topic: string): Promise<number> {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, { high }) => sum + Number(high), 0);
  }

  /** Waits until the consumer group committed past `offset`, i.e. its app handled that message. */
  async function consumedPast(groupId: string, topic: string, partition: number, offset: string) {
    await eventually(async () => {
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const mine = committed.partitions.find((candidate) => candidate.partition === partition);
      return mine && BigInt(mine.offset) > BigInt(offset) ? true : undefined;
    }, `${groupId} to consume ${topic}[${partition}]@${offset}`);
  }

  // ---- Viber → SMS -----------------------------------------------------------------------------------------

  it('delivers by Viber', async () => {
    const person = adultWithOtp();
    const event = prescriptionEvent(person.id);
    await notify([person], [event]);

    expect(await finalTimeline(event.eventId)).toEqual(['RESOLVED::', 'SENT:VIBER:', 'DELIVERED:VIBER:']);
    const sent = await providerMessages(event.eventId, phoneOf(person));
    expect(sent.map((message) => message.channel)).toEqual(['VIBER']);
    expect(sent[0].text).toContain('4821');
  });

  it('ignores a second command for the same event and step (a replayed outbox row, a second resolver)', async () => {
    const person = adultWithOtp();
    const event = prescriptionEvent(person.id);
    await notify([person], [event]);
    const delivered = ['RESOLVED::', 'SENT:VIBER:', 'DELIVERED:VIBER:'];
    expect(await finalTimeline(event.eventId)).toEqual(delivered);

    const [viber] = await db
      .query<{ command: DeliveryCommand }>(`SELECT command FROM delivery WHERE id = $1`, [
        (await deliveryOn(event.eventId, 'VIBER')).id,
      ])
      .then((result) => result.rows);
    const duplicate: DeliveryCommand = { ...viber.command, deliveryId: randomUUID() };
    const deadLettersBefore = await messagesIn(dlqTopic(Topic.DeliveryViber));
    const [sent] = await producer.send({
      topic: Topic.DeliveryViber,
      messages: [{ key: duplicate.notificationId, value: JSON.stringify(duplicate) }],
    });
    await consumedPast(`${GROUP_PREFIX}.viber-sender`, Topic.DeliveryViber, sent.partition, sent.baseOffset!);

    // Neither stored nor sent, and not dead-lettered either: a duplicate is a no-op, not an error.
    expect(await messagesIn(dlqTopic(Topic.DeliveryViber))).toBe(deadLettersBefore);
    expect((await deliveries(event.eventId)).map((row) => row.id)).toEqual([viber.command.deliveryId]);
    expect(await providerMessages(event.eventId, phoneOf(person))).toHaveLength(1);
    expect(describeRows(await statusRows(event.eventId))).toEqual(delivered);
  });

  it.each(['NOT_VIBER_USER', 'USER_BLOCKED'] as const)(
    'falls back to SMS at once when Viber rejects the phone as %s',
    async (reject) => {
      const person = adultWithOtp();
      await setPhoneBehaviour(phoneOf(person), { viber: reject });
      const event = prescriptionEvent(person.id);
      await notify([person], [event]);

      expect(await finalTimeline(event.eventId)).toEqual([
        'RESOLVED::',
        `FALLBACK:VIBER:${reject}`,
        'SENT:SMS:',
        'DELIVERED:SMS:',
      ]);
      const sent = await providerMessages(event.eventId, phoneOf(person));
      expect(sent.map((message) => message.channel)).toEqual(['SMS']);
      expect(sent[0].text).toContain('4821');
    },
  );

  it('falls back to SMS on a negative Viber report (Undelivered)', async () => {
    const person = adultWithOtp();
    await setPhoneBehaviour(phoneOf(person), { viber: 'UNDELIVERED' });
    const event = prescriptionEvent(person.id);
    await notify([person], [event]);

    expect(await finalTimeline(event.eventId)).toEqual([
      'RESOLVED::',
      'SENT:VIBER:',
      'FALLBACK:VIBER:UNDELIVERED',
      'SENT:SMS:',
      'DELIVERED:SMS:',
    ]);
    const sent = await providerMessages(event.eventId, phoneOf(person));
    expect(sent.map((message) => message.channel)).toEqual(['VIBER', 'SMS']);
  });

  it('falls back to SMS when Viber stays silent past the report timeout', async () => {
    const person = adultWithOtp();
    await setPhoneBehaviour(phoneOf(person), { viber: 'NO_REPORT' });
    const event = prescriptionEvent(person.id);
    await notify([person], [event]);

    expect(await finalTimeline(event.eventId)).toEqual([
      'RESOLVED::',
      'SENT:VIBER:',
      'FALLBACK:VIBER:NO_REPORT_IN_TIME',
      'SENT:SMS:',
      'DELIVERED:SMS:',
    ]);
    const rows = await statusRows(event.eventId);
    const waited = rows[2].at.getTime() - rows[1].at.getTime();
    expect(waited).toBeGreaterThanOrEqual(VIBER_CODE_TIMEOUT_S * 1000 - 50);
    const sent = await providerMessages(event.eventId, phoneOf(person));
    expect(sent.map((message) => message.channel)).toEqual(['VIBER', 'SMS']);
  });

  // ---- Diia ------------------------------------------------------------------------------------------------

  it('delivers by Diia when the recipient has a tax id and reads the push', async () => {
    const person = adultWithOtp({ taxId: uniqueTaxId() });
    const event = prescriptionEvent(person.id);
    await notify([person], [event]);

    expect(await finalTimeline(event.eventId)).toEqual(['RESOLVED::', 'SENT:DIIA:', 'DELIVERED:DIIA:']);
    const pushes = await diiaPushes(event.eventId);
    expect(pushes).toHaveLength(1);
    expect(pushes[0].status).toBe('read');
    expect(pushes[0].title).not.toBe('');
    expect(await providerMessages(event.eventId, phoneOf(person))).toEqual([]);
  });

  it('falls back from Diia to Viber when Diia does not know the person', async () => {
    const person = adultWithOtp({ taxId: uniqueTaxId() });
    await setDiiaBehaviour(person.taxId!, 'NOT_FOUND');
    const event = prescriptionEvent(person.id);
    await notify([person], [event]);

    expect(await finalTimeline(event.eventId)).toEqual([
      'RESOLVED::',
      'FALLBACK:DIIA:DIIA_NOT_FOUND',
      'SENT:VIBER:',
      'DELIVERED:VIBER:',
    ]);
    expect(await diiaPushes(event.eventId)).toEqual([]);
    const sent = await providerMessages(event.eventId, phoneOf(person));
    expect(sent.map((message) => message.channel)).toEqual(['VIBER']);
  });

  it('never sends an AUTH_OTP to Diia, even to a person with a tax id', async () => {
    const person = adultWithOtp({ taxId: uniqueTaxId() });
    const event = prescriptionEvent(person.id, {
      type: 'AUTH_OTP',
      expiresAt: new Date(Date.now() + 300_000).toISOString(),
      payload: { verificationCode: '7305' },
    });
    await notify([person], [event]);

    expect(await finalTimeline(event.eventId)).toEqual(['RESOLVED::', 'SENT:VIBER:', 'DELIVERED:VIBER:']);
    const { rows } = await db.query(`SELECT decision->'plan' AS plan FROM notification WHERE event_id = $1`, [
      event.eventId,
    ]);
    expect(rows[0].plan).toEqual(['VIBER', 'SMS']);
    expect((await deliveries(event.eventId)).map((row) => row.channel)).toEqual(['VIBER']);
    const sent = await providerMessages(event.eventId, phoneOf(person));
    expect(sent.map((message) => message.channel)).toEqual(['VIBER']);
    expect(sent[0].text).toContain('7305');
  });

  // ---- SMS retries and failures ----------------------------------------------------------------------------

  it('retries SMS through a provider 5xx and delivers once the provider recovers', async () => {
    const person = adultWithOtp();
    const phone = phoneOf(person);
    await setPhoneBehaviour(phone, { viber: 'NOT_VIBER_USER', sms: 'ERROR_5XX' });
    const event = prescriptionEvent(person.id);
    await notify([person], [event]);

    // Two failed attempts (HTTP 503), then the provider is healthy again.
    await eventually(
      async () => ((await deliveryOn(event.eventId, 'SMS')).attempts >= 2 ? true : undefined),
      'two failed SMS attempts',
    );
    expect(describeRows(await statusRows(event.eventId))).toEqual([
      'RESOLVED::',
      'FALLBACK:VIBER:NOT_VIBER_USER',
    ]);
    await setPhoneBehaviour(phone, { sms: 'DELIVERED' });

    expect(await finalTimeline(event.eventId)).toEqual([
      'RESOLVED::',
      'FALLBACK:VIBER:NOT_VIBER_USER',
      'SENT:SMS:',
      'DELIVERED:SMS:',
    ]);
    const sms = await deliveryOn(event.eventId, 'SMS');
    expect(sms.attempts).toBeGreaterThanOrEqual(3);
    expect(sms.last_error).toBe('HTTP_503');
    expect((await providerMessages(event.eventId, phone)).map((message) => message.channel)).toEqual(['SMS']);
  });

  it('applies a delivery report that arrives before the SENT state is committed', async () => {
    const person = adultWithOtp();
    const phone = phoneOf(person);
    await setPhoneBehaviour(phone, { viber: 'NOT_VIBER_USER', sms: 'ERROR_5XX' });
    const event = prescriptionEvent(person.id);
    await notify([person], [event]);
    await eventually(
      async () => ((await deliveryOn(event.eventId, 'SMS')).attempts >= 1 ? true : undefined),
      'a failed SMS attempt',
    );

    // Hold the retry's transaction open: it cannot queue its SENT status while we lock the outbox.
    const blocker = new Client({ connectionString: process.env.DATABASE_URL });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE outbox_message IN EXCLUSIVE MODE');
      await setPhoneBehaviour(phone, { sms: 'DELIVERED' });
      // The provider accepts the retry and pushes its report (100 ms later) while SENT is still uncommitted.
      await eventually(
        async () => ((await providerMessages(event.eventId, phone)).length > 0 ? true : undefined),
        'SMS accepted by the provider',
        5_000, // bounded: the lock stalls every app's outbox meanwhile
      );
      await sleep(500);
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }

    // The report was waited for, not dropped: DELIVERED at once (the status poll would take seconds).
    expect(await finalTimeline(event.eventId, 1_000)).toEqual([
      'RESOLVED::',
      'FALLBACK:VIBER:NOT_VIBER_USER',
      'SENT:SMS:',
      'DELIVERED:SMS:',
    ]);
  });

  it('ends EXPIRED when the SMS provider stays down until the code expires', async () => {
    const person = adultWithOtp();
    const phone = phoneOf(person);
    await setPhoneBehaviour(phone, { viber: 'NOT_VIBER_USER', sms: 'ERROR_5XX' });
    const expiresAt = new Date(Date.now() + 5_000);
    const event = prescriptionEvent(person.id, { expiresAt: expiresAt.toISOString() });
    await notify([person], [event]);

    expect(await finalTimeline(event.eventId)).toEqual([
      'RESOLVED::',
      'FALLBACK:VIBER:NOT_VIBER_USER',
      'EXPIRED:SMS:CODE_EXPIRED',
    ]);
    const rows = await statusRows(event.eventId);
    expect(rows.at(-1)!.at.getTime()).toBeGreaterThanOrEqual(expiresAt.getTime());
    const sms = await deliveryOn(event.eventId, 'SMS');
    expect(sms).toMatchObject({ state: 'EXPIRED', last_error: 'HTTP_503' });
    expect(sms.attempts).toBeGreaterThanOrEqual(2); // it kept retrying until then
    expect(await providerMessages(event.eventId, phone)).toEqual([]);
  });

  it('fails at once, without retrying, when the SMS provider rejects the number permanently', async () => {
    const person = adultWithOtp();
    const phone = phoneOf(person);
    await setPhoneBehaviour(phone, { viber: 'NOT_VIBER_USER', sms: 'REJECTED' });
    const event = prescriptionEvent(person.id);
    await notify([person], [event]);

    expect(await finalTimeline(event.eventId)).toEqual([
      'RESOLVED::',
      'FALLBACK:VIBER:NOT_VIBER_USER',
      'FAILED:SMS:STOP_LIST',
    ]);
    await sleep(1_500); // longer than the SMS backoff: a retry would show in `attempts`
    const sms = await deliveryOn(event.eventId, 'SMS');
    expect(sms).toMatchObject({ state: 'FAILED', attempts: 1, last_error: 'STOP_LIST' });
    expect(await providerMessages(event.eventId, phone)).toEqual([]);
  });

  it('ends a stored command that no longer reads as one FAILED (MALFORMED_COMMAND) and keeps sending the rest', async () => {
    // A row the Kafka edge would never have let in (a bug, a hand edit): it must not stall the worker.
    const broken = { id: randomUUID(), eventId: randomUUID(), notificationId: randomUUID() };
    await db.query(
      `INSERT INTO delivery (id, notification_id, event_id, channel, state, command, next_attempt_at)
       VALUES ($1, $2, $3, 'SMS', 'PENDING', $4, now())`,
      [
        broken.id,
        broken.notificationId,
        broken.eventId,
        JSON.stringify({ deliveryId: broken.id, channel: 'SMS' }),
      ],
    );
    const person = adultWithOtp();
    await setPhoneBehaviour(phoneOf(person), { viber: 'NOT_VIBER_USER' });
    const event = prescriptionEvent(person.id);
    await notify([person], [event]);

    expect(await finalTimeline(event.eventId)).toEqual([
      'RESOLVED::',
      'FALLBACK:VIBER:NOT_VIBER_USER',
      'SENT:SMS:',
      'DELIVERED:SMS:',
    ]);
    // Rows read back from the database are checked by the timer pass, which runs at the latest after
    // its safety interval (10 s) when nothing else is due.
    const ended = await eventually(
      async () => {
        const { rows } = await db.query(`SELECT state, last_error FROM delivery WHERE id = $1`, [broken.id]);
        return rows[0]?.state === 'PENDING' ? undefined : rows;
      },
      'the malformed row to end',
      15_000,
    );
    expect(ended).toEqual([{ state: 'FAILED', last_error: 'MALFORMED_COMMAND' }]);
    const { rows: statuses } = await db.query(
      `SELECT status, channel, reason FROM notification_status_log WHERE event_id = $1`,
      [broken.eventId],
    );
    expect(statuses).toEqual([{ status: 'FAILED', channel: 'SMS', reason: 'MALFORMED_COMMAND' }]);
  });

  // ---- exactly one terminal status -------------------------------------------------------------------------

  it('records a late Viber report after the SMS went out without a second terminal status', async () => {
    const person = adultWithOtp();
    await setPhoneBehaviour(phoneOf(person), { viber: 'NO_REPORT' });
    const event = prescriptionEvent(person.id);
    await notify([person], [event]);
    const expected = [
      'RESOLVED::',
      'SENT:VIBER:',
      'FALLBACK:VIBER:NO_REPORT_IN_TIME',
      'SENT:SMS:',
      'DELIVERED:SMS:',
    ];
    expect(await finalTimeline(event.eventId)).toEqual(expected);

    // Viber finally reports the first message delivered, signed like the provider's webhook.
    const viber = await deliveryOn(event.eventId, 'VIBER');
    const now = new Date().toISOString();
    const body = JSON.stringify({
      message_id: viber.provider_message_id,
      sequence_id: viber.id,
      status: 'Delivered',
      type: 'viber',
      sent_at: now,
      updated_at: now,
    });
    const response = await fetch(VIBER_WEBHOOK, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-signature': signWebhookBody(body, WEBHOOK_SECRET) },
      body,
    });
    expect(response.status).toBe(204);

    expect((await deliveryOn(event.eventId, 'VIBER')).late_report).toBe('DELIVERED');
    expect(describeRows(await statusRows(event.eventId))).toEqual(expected);
    const { rows } = await db.query(
      `SELECT count(*)::int AS terminal FROM notification_status_log WHERE event_id = $1 AND is_terminal`,
      [event.eventId],
    );
    expect(rows[0].terminal).toBe(1);
  });

  it('a positive report after the SMS ended FAILED / NO_REPORT_IN_TIME is announced once as LATE_DELIVERED', async () => {
    const person = adultWithOtp();
    await setPhoneBehaviour(phoneOf(person), { viber: 'NOT_VIBER_USER', sms: 'NO_REPORT' });
    const event = prescriptionEvent(person.id);
    await notify([person], [event]);
    const ended = [
      'RESOLVED::',
      'FALLBACK:VIBER:NOT_VIBER_USER',
      'SENT:SMS:',
      'FAILED:SMS:NO_REPORT_IN_TIME',
    ];
    expect(await finalTimeline(event.eventId)).toEqual(ended);

    // The provider's report finally comes, twice (a webhook retry): one correction, the terminal stands.
    const sms = await deliveryOn(event.eventId, 'SMS');
    const now = new Date().toISOString();
    const body = JSON.stringify({
      message_id: sms.provider_message_id,
      sequence_id: sms.id,
      status: 'Delivered',
      type: 'sms',
      sent_at: now,
      updated_at: now,
    });
    for (let i = 0; i < 2; i++) {
      const response = await fetch(`http://127.0.0.1:${PORT.sms}/webhooks/turbosms`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-signature': signWebhookBody(body, WEBHOOK_SECRET) },
        body,
      });
      expect(response.status).toBe(204);
    }
    expect((await deliveryOn(event.eventId, 'SMS')).late_report).toBe('DELIVERED');
    expect(describeRows(await statusRows(event.eventId))).toEqual([...ended, 'LATE_DELIVERED:SMS:']);
  });

  // Last: it replaces the running viber-sender.
  it('falls back after a restart when the Viber sender went down during the report wait', async () => {
    const person = adultWithOtp();
    await setPhoneBehaviour(phoneOf(person), { viber: 'NO_REPORT' });
    // A type without a code: the longer VIBER_TIMEOUT_S leaves time to stop the sender mid-wait.
    const event = prescriptionEvent(person.id, {
      type: 'MEDICATION_REQUEST_REJECTED',
      payload: { number: '0000-K8K5-5MTE-352H' },
    });
    await notify([person], [event]);

    await eventually(
      async () => ((await deliveryOn(event.eventId, 'VIBER')).state === 'SENT' ? true : undefined),
      'Viber message sent',
    );
    // In-process we cannot SIGKILL; a close drops everything in memory just the same.
    await running.viber!.close();
    running.viber = undefined;

    // The wait is durable: the row still waits for its report, and nobody falls back while it is down.
    const waiting = await deliveryOn(event.eventId, 'VIBER');
    expect(waiting.state).toBe('SENT');
    expect(waiting.report_deadline_at).not.toBeNull();
    await sleep(Math.max(0, waiting.report_deadline_at!.getTime() - Date.now()) + 300);
    expect(describeRows(await statusRows(event.eventId))).toEqual(['RESOLVED::', 'SENT:VIBER:']);

    running.viber = await startViberSender(viberEnv);
    expect(await finalTimeline(event.eventId)).toEqual([
      'RESOLVED::',
      'SENT:VIBER:',
      'FALLBACK:VIBER:NO_REPORT_IN_TIME',
      'SENT:SMS:',
      'DELIVERED:SMS:',
    ]);
    const sent = await providerMessages(event.eventId, phoneOf(person));
    expect(sent.map((message) => message.channel)).toEqual(['VIBER', 'SMS']);
  });
});
