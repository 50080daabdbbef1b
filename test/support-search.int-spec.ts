import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import {
  Topic,
  type PersonSnapshot,
  type SupportNotificationDetail,
  type SupportSearchItem,
} from '@app/contracts';
import { maskPhone } from '@app/platform';
import {
  adultWithOtp,
  eventually,
  prescriptionEvent,
  produce,
  startGroupsAtEnd,
  testKafka,
  thirdPersonMethod,
  uniquePhone,
} from '@app/testing';
import type { Producer } from 'kafkajs';
import { Client } from 'pg';
import { startResolver } from '../apps/resolver/src/main';
import { searchQuery } from '../apps/resolver/src/support/notification-search.repository';
import { PhoneKeyHasher } from '../apps/resolver/src/support/search-keys';

jest.setTimeout(90_000);

/**
 * The resolver's support search (architecture.md §11.2) on the real broker and database: a child's
 * prescription is found by the mother's phone in every spelling, by the child's own phone, by the number and
 * by either person; nothing anonymous; newest first; the detail's state is the terminal status; and the
 * search stays an index range scan that stops at the limit on a big table.
 */
const PORT = 4430;
const BASE = `http://127.0.0.1:${PORT}`;
const SUPPORT_TOKEN = 'support-search-spec-token';
const SUPPORT_SEARCH_KEY = 'support-search-spec-key';
const GROUP_PREFIX = 'esoz-notify-test.support-search';

describe('support search on the resolver (real Kafka and Postgres)', () => {
  let running: Awaited<ReturnType<typeof startResolver>>;
  let producer: Producer;
  let db: Client;

  const mother = adultWithOtp();
  const motherPhone = mother.phones[0].number;
  const childPhone = uniquePhone();
  const child = childOf(mother, childPhone);
  const number = `0000-${hex4()}-${hex4()}-${hex4()}`.toUpperCase();
  const first = prescriptionEvent(child.id, { payload: { number, verificationCode: '1234' } });
  const second = prescriptionEvent(child.id, {
    payload: { number: '0000-K8K5-5MTE-352H', verificationCode: '1234' },
  });

  beforeAll(async () => {
    await startGroupsAtEnd({ [`${GROUP_PREFIX}.resolver`]: [Topic.Person, Topic.NotificationRequested] });
    running = await startResolver({
      ...process.env,
      LOG_LEVEL: 'error',
      PORT: String(PORT),
      KAFKA_GROUP_PREFIX: GROUP_PREFIX,
      DIIA_ENABLED: 'false',
      SUPPORT_TOKEN,
      SUPPORT_SEARCH_KEY,
    });
    producer = testKafka().producer();
    await producer.connect();
    db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
    await produce(producer, Topic.Person, [
      { key: mother.id, value: mother },
      { key: child.id, value: child },
    ]);
    for (const event of [first, second]) {
      await produce(producer, Topic.NotificationRequested, [{ key: child.id, value: event }]);
      await eventually(async () => {
        const { rows } = await db.query(`SELECT state FROM notification WHERE event_id = $1`, [
          event.eventId,
        ]);
        return rows[0]?.state === 'RESOLVED' ? true : undefined;
      }, 'the decision');
    }
  });

  afterAll(async () => {
    await producer?.disconnect();
    await db?.end();
    await running?.close();
  });

  const search = async (query: string, token = SUPPORT_TOKEN) => {
    const response = await fetch(`${BASE}/notifications?${query}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return { status: response.status, text: await response.text() };
  };
  const items = async (query: string): Promise<SupportSearchItem[]> => {
    const { status, text } = await search(query);
    expect(status).toBe(200);
    return JSON.parse(text).items;
  };

  it("finds the child's prescriptions by the mother's phone in every common spelling, newest first", async () => {
    const national = motherPhone.slice(4); // 931234567
    const spellings = [
      `0${national}`,
      motherPhone,
      `+38 (0${national.slice(0, 2)}) ${national.slice(2, 5)}-${national.slice(5, 7)}-${national.slice(7)}`,
      motherPhone.slice(1),
    ];
    const answers = await Promise.all(spellings.map((phone) => items(`phone=${encodeURIComponent(phone)}`)));
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    expect(answers[0].map((item) => item.eventId)).toEqual([second.eventId, first.eventId]);
    expect(answers[0][0]).toEqual({
      eventId: second.eventId,
      type: 'MEDICATION_REQUEST_CREATED',
      occurredAt: second.occurredAt,
      status: 'RESOLVED',
      recipient: { personId: mother.id, role: 'REPRESENTATIVE', maskedPhone: maskPhone(motherPhone) },
    });
  });

  it("finds them by the child's own phone, by the number (any case, no dashes) and by either person", async () => {
    const ids = (found: SupportSearchItem[]) => found.map((item) => item.eventId);
    expect(ids(await items(`phone=${encodeURIComponent(childPhone)}`))).toEqual([
      second.eventId,
      first.eventId,
    ]);
    expect(ids(await items(`number=${number.replace(/-/g, '').toLowerCase()}`))).toEqual([first.eventId]);
    expect(ids(await items(`personId=${child.id}`))).toEqual([second.eventId, first.eventId]);
    expect(ids(await items(`personId=${mother.id}&limit=1`))).toEqual([second.eventId]);
    const { rows } = await db.query(`SELECT created_at FROM notification WHERE event_id = $1`, [
      second.eventId,
    ]);
    expect(
      ids(await items(`personId=${mother.id}&to=${encodeURIComponent(rows[0].created_at.toISOString())}`)),
    ).toEqual([first.eventId]);
  });

  it('stores no phone in clear for the search: only keyed hashes', async () => {
    const { rows } = await db.query(
      `SELECT kind, key FROM notification_search WHERE event_id = ANY($1::uuid[]) ORDER BY kind`,
      [[first.eventId, second.eventId]],
    );
    const hasher = new PhoneKeyHasher(SUPPORT_SEARCH_KEY);
    const phoneKeys = rows.filter((row) => row.kind === 'PHONE').map((row) => row.key);
    expect(new Set(phoneKeys)).toEqual(new Set([hasher.keyOf(motherPhone), hasher.keyOf(childPhone)]));
    expect(JSON.stringify(rows)).not.toContain(motherPhone.slice(-9));
    expect(JSON.stringify(rows)).not.toContain(childPhone.slice(-9));
  });

  it('answers nobody without the support token, and refuses a bad query without repeating it', async () => {
    for (const token of ['', 'wrong-token', 'local-mis-token'])
      expect((await search(`phone=${encodeURIComponent(motherPhone)}`, token)).status).toBe(401);
    expect((await fetch(`${BASE}/notifications?personId=${child.id}`)).status).toBe(401);
    expect((await fetch(`${BASE}/support/overview`)).status).toBe(401);
    const bad = await search(`phone=${encodeURIComponent(`${motherPhone}9`)}`);
    expect(bad.status).toBe(400);
    expect(bad.text).not.toContain(motherPhone.slice(-9));
    expect((await search('number=0000&personId=x')).status).toBe(400);
  });

  it('reports the terminal status as the state of GET /notifications/{eventId}', async () => {
    const show = async (): Promise<SupportNotificationDetail> =>
      (
        await fetch(`${BASE}/notifications/${first.eventId}`, {
          headers: { authorization: `Bearer ${SUPPORT_TOKEN}` },
        })
      ).json() as Promise<SupportNotificationDetail>;
    expect((await show()).state).toBe('RESOLVED');
    // What a sender records when the SMS is delivered (the resolver only reads the status log).
    await db.query(
      `INSERT INTO notification_status_log (event_id, status, channel, is_terminal, at) VALUES ($1, 'DELIVERED', 'SMS', true, now())`,
      [first.eventId],
    );
    const detail = await show();
    expect(detail.state).toBe('DELIVERED');
    expect(detail.number).toBe(number);
    expect((await items(`number=${number}`))[0]).toMatchObject({ status: 'DELIVERED', channel: 'SMS' });
  });

  it('finds a skipped duplicate referral by its number (written by the trigger, not by a decision)', async () => {
    const encounterId = randomUUID();
    const referral = (referralNumber: string) =>
      prescriptionEvent(child.id, {
        type: 'SERVICE_REQUEST_CREATED',
        payload: { number: referralNumber, encounterId, verificationCode: '1234' },
      });
    const duplicateNumber = `${hex4()}-${hex4()}-${hex4()}-${hex4()}`.toUpperCase();
    const original = referral(`${hex4()}-${hex4()}-${hex4()}-${hex4()}`.toUpperCase());
    const duplicate = referral(duplicateNumber);
    await produce(producer, Topic.NotificationRequested, [
      { key: child.id, value: original },
      { key: child.id, value: duplicate },
    ]);
    const found = await eventually(async () => {
      const answer = await items(`number=${duplicateNumber}`);
      return answer[0]?.status === 'SKIPPED' ? answer : undefined;
    }, 'the duplicate referral');
    expect(found).toEqual([
      expect.objectContaining({ eventId: duplicate.eventId, reason: 'DUPLICATE_ENCOUNTER', recipient: null }),
    ]);
  });

  it('stays an index range scan that stops at the limit on a table of 300 000 keys', async () => {
    await db.query('BEGIN');
    try {
      // One busy phone with 5 000 notifications among 300 000 other keys, rolled back afterwards.
      await db.query(`INSERT INTO notification_search (kind, key, received_at, event_id, notification_id)
        SELECT 'PHONE', md5(i::text), now() - make_interval(secs => i), gen_random_uuid(), gen_random_uuid()
        FROM generate_series(1, 300000) AS i`);
      // ...each with its notification, as in production (the search joins them by primary key).
      await db.query(`CREATE TEMP TABLE busy AS
        SELECT gen_random_uuid() AS id, gen_random_uuid() AS event_id, now() - make_interval(secs => i) AS at
        FROM generate_series(1, 5000) AS i`);
      await db.query(`INSERT INTO notification (id, event_id, type, subject_person_id, state, request, created_at)
        SELECT id, event_id, 'AUTH_OTP', gen_random_uuid(), 'RESOLVED', '{}'::jsonb, at FROM busy`);
      await db.query(`INSERT INTO notification_search (kind, key, received_at, event_id, notification_id)
        SELECT 'PHONE', 'busy-phone-key', at, event_id, id FROM busy`);
      await db.query('ANALYZE notification_search');
      await db.query('ANALYZE notification');
      const [sql, params] = searchQuery({ kind: 'PHONE', key: 'busy-phone-key', limit: 50 });
      const { rows } = await db.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, params);
      const plan = rows[0]['QUERY PLAN'][0];
      if (process.env.SHOW_PLAN) console.log(JSON.stringify(plan, null, 1));
      const nodes = flatten(plan.Plan);
      const scan = nodes.find((node) => node['Relation Name'] === 'notification_search');
      expect(scan).toMatchObject({
        'Node Type': 'Index Scan',
        'Index Name': 'notification_search_pkey',
        'Scan Direction': 'Backward',
      });
      // Whatever is sorted is the limit's 50 rows, never the busy phone's 5 000.
      for (const sort of nodes.filter((node) => node['Node Type'] === 'Sort'))
        expect(sort['Actual Rows']).toBeLessThanOrEqual(50);
      expect(
        nodes.filter(
          (node) => node['Node Type'] === 'Seq Scan' && node['Relation Name'] === 'notification_search',
        ),
      ).toEqual([]);
      // The scan stops early: it reads the limit's worth of keys (and their notifications), not the 5 000.
      expect(scan!['Actual Rows']).toBe(50);
      expect(plan['Execution Time']).toBeLessThan(250);
    } finally {
      await db.query('ROLLBACK');
    }
  });
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type PlanNode = Record<string, any>;
function flatten(node: PlanNode): PlanNode[] {
  return [node, ...((node.Plans as PlanNode[] | undefined) ?? []).flatMap(flatten)];
}

function childOf(mother: PersonSnapshot, ownPhone: string): PersonSnapshot {
  const base = adultWithOtp({ phone: ownPhone });
  return {
    ...base,
    birthDate: `${new Date().getUTCFullYear() - 9}-06-01`,
    firstName: 'Марко',
    authenticationMethods: [
      { ...base.authenticationMethods[0], insertedAt: '2021-01-01T00:00:00Z' },
      thirdPersonMethod(mother.id, '2021-02-01T00:00:00Z'),
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

function hex4(): string {
  return randomUUID().slice(0, 4);
}
