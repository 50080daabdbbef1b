import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { CONSUMED_TOPICS, dlqTopic, Topic } from '@app/contracts';
import { CodeCipher, createLogger } from '@app/platform';
import { signSmscCallback, signWebhookBody } from '@app/providers';
import {
  adultWithOtp,
  eventually,
  startGroupsAtEnd,
  testKafka,
  uniquePhone,
  uniqueTaxId,
} from '@app/testing';
import type { Admin, Producer } from 'kafkajs';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import type { InfoSlipRendererConfig } from '../apps/info-slip-renderer/src/info-slip-renderer.config';
import { SlipService } from '../apps/info-slip-renderer/src/slip.service';
import type { ResolverConfig } from '../apps/resolver/src/resolver.config';
import { RetentionService } from '../apps/resolver/src/retention.service';
import { ChildApp, ROOT } from './support/child-apps';
import { readBetween, topicEnds } from './support/kafka-inspect';
import { type Finding, SecretScanner } from './support/secret-scan';

/*
 * Secrets and access (issue 6, architecture.md §8–§10). The pipeline runs as `npm start` runs it - every app
 * its own process from dist/, at LOG_LEVEL=debug - over persons and events that exercise every channel, the
 * fallbacks, an expiry, a failure, a slip and the dead-letter path. Then every log line, every /metrics page,
 * every dead-letter header, every status event and every HTTP answer is searched for the run's codes and
 * phones (none allowed); codes must be sealed wherever they rest; webhooks, slips and the support API must
 * refuse callers without the right signature or token; and retention must purge slips and sealed codes.
 */

jest.setTimeout(180_000);

const PREFIX = 'esoz-notify-test.secrets';
const PORT = { resolver: 17011, viber: 17012, sms: 17013, diia: 17014, slip: 17015, simulator: 17110 };
const url = (port: number) => `http://127.0.0.1:${port}`;
const SECRETS = {
  SUPPORT_TOKEN: `support-${randomUUID()}`,
  MIS_TOKEN: `mis-${randomUUID()}`,
  WEBHOOK_SECRET: `webhook-${randomUUID()}`,
  PROVIDER_TOKEN: `provider-${randomUUID()}`,
  SMSC_PASSWORD: `smsc-${randomUUID()}`,
  SMSC_WEBHOOK_SECRET: `smsc-webhook-${randomUUID()}`,
  CODE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
};
const cipher = new CodeCipher(SECRETS.CODE_ENCRYPTION_KEY);
const env = {
  ...process.env,
  ...SECRETS,
  NODE_ENV: 'development',
  LOG_LEVEL: 'debug',
  KAFKA_GROUP_PREFIX: PREFIX,
  DIIA_ENABLED: 'true',
  PERSON_WAIT_SECONDS: '3',
  PROVIDER_BASE_URL: url(PORT.simulator),
  CODE_REPORT_TIMEOUT_SECONDS: '5',
  SMS_MAX_BACKOFF_SECONDS: '1',
  SMS_MAX_ATTEMPTS: '100',
  STUB_REPORT_DELAY_MS: '100',
  RETENTION_HOURS: '1',
};
const GROUPS: Record<string, Topic[]> = {
  [`${PREFIX}.resolver`]: [Topic.Person, Topic.NotificationRequested],
  [`${PREFIX}.viber-sender`]: [Topic.DeliveryViber],
  [`${PREFIX}.sms-sender`]: [Topic.DeliverySms],
  [`${PREFIX}.diia-push-stub`]: [Topic.DeliveryDiia],
  [`${PREFIX}.info-slip-renderer`]: [Topic.DeliverySlip],
};
const DELIVERY_TOPICS = [Topic.DeliveryDiia, Topic.DeliveryViber, Topic.DeliverySms, Topic.DeliverySlip];
const WATCHED = [...CONSUMED_TOPICS.map(dlqTopic), Topic.NotificationStatus, ...DELIVERY_TOPICS];

// --- the run's secrets: 8-digit codes and phones that occur nowhere else --------------------------------

const used = new Set<string>();
function code(digits = 8): string {
  for (;;) {
    const candidate = String(randomInt(10 ** (digits - 1), 10 ** digits));
    if (!used.has(candidate)) {
      used.add(candidate);
      return candidate;
    }
  }
}
const phones: string[] = [];
const phone = () => {
  const value = uniquePhone();
  phones.push(value);
  return value;
};

type Json = Record<string, unknown>;
const otpAdult = (number: string, extra: Json = {}): Json => ({
  ...adultWithOtp({ phone: number }),
  ...extra,
});
const event = (subjectPersonId: string, type: string, verificationCode: string, extra: Json = {}): Json => ({
  eventId: randomUUID(),
  type,
  occurredAt: new Date().toISOString(),
  subjectPersonId,
  expiresAt: new Date(Date.now() + 10 * 60_000).toISOString(),
  payload: {
    number: `0000-${randomInt(1000, 9999)}-${randomInt(1000, 9999)}-${randomInt(1000, 9999)}`,
    verificationCode,
    validFrom: '2026-11-23',
    validUntil: '2026-12-23',
    details: { medication: 'Еналаприл, таблетки 10 мг', quantity: '30 таблеток' },
  },
  ...extra,
});

interface Scenario {
  name: string;
  persons: Json[];
  event: Json;
  code: string;
  behaviour?: { phone: string; viber?: string; sms?: string };
  expect: string;
}

const mother = otpAdult(phone());
const child: Json = {
  id: randomUUID(),
  birthDate: `${new Date().getUTCFullYear() - 9}-05-12`,
  firstName: 'Ілля',
  lastName: 'Коваленко',
  verificationStatus: 'VERIFIED',
  phones: [],
  authenticationMethods: [
    {
      id: randomUUID(),
      type: 'THIRD_PERSON',
      value: mother.id,
      alias: 'мама',
      isActive: true,
      startedAt: '2020-01-01T00:00:00Z',
      insertedAt: '2020-01-01T00:00:00Z',
    },
  ],
  confidantPersons: [
    {
      personId: mother.id,
      relationType: 'PRIMARY',
      verificationStatus: 'VERIFIED',
      documentsRelationship: [{ type: 'BIRTH_CERTIFICATE', number: 'І-АБ 123456' }],
    },
  ],
  updatedAt: new Date().toISOString(),
};
const offline: Json = {
  ...otpAdult(phone()),
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

function scenario(
  name: string,
  person: Json,
  type: string,
  expect: string,
  behaviour?: Omit<NonNullable<Scenario['behaviour']>, 'phone'>,
  extra: Json = {},
): Scenario {
  const secret = code();
  const phoneOf = (person.phones as { number: string }[])[0]?.number;
  return {
    name,
    persons: [person],
    event: event(person.id as string, type, secret, extra),
    code: secret,
    behaviour: behaviour && phoneOf ? { phone: phoneOf, ...behaviour } : undefined,
    expect,
  };
}

const SCENARIOS: Scenario[] = [
  scenario('OTP by Viber', otpAdult(phone()), 'AUTH_OTP', 'DELIVERED:VIBER'),
  scenario(
    'e-prescription, not a Viber user: SMS',
    otpAdult(phone()),
    'MEDICATION_REQUEST_CREATED',
    'DELIVERED:SMS',
    { viber: 'NOT_VIBER_USER' },
  ),
  scenario(
    'e-prescription by Diia',
    otpAdult(phone(), { taxId: uniqueTaxId() }),
    'MEDICATION_REQUEST_CREATED',
    'DELIVERED:DIIA',
  ),
  {
    ...scenario(
      'child through the mother, Viber undelivered: SMS',
      child,
      'MEDICATION_REQUEST_CREATED',
      'DELIVERED:SMS',
    ),
    persons: [mother, child],
    behaviour: { phone: (mother.phones as { number: string }[])[0].number, viber: 'UNDELIVERED' },
  },
  scenario('OFFLINE patient: slip', offline, 'MEDICATION_REQUEST_CREATED', 'SLIP_READY:SLIP'),
  scenario(
    'OTP, SMS provider down: retried until the attempts or the code run out',
    otpAdult(phone()),
    'AUTH_OTP',
    'FAILED:SMS|EXPIRED:SMS',
    {
      viber: 'NOT_VIBER_USER',
      sms: 'ERROR_5XX',
    },
  ),
  scenario(
    'e-prescription rejected by both channels',
    otpAdult(phone()),
    'MEDICATION_REQUEST_CREATED',
    'FAILED:SMS',
    { viber: 'REJECTED', sms: 'REJECTED' },
  ),
  { ...scenario('OTP for a person never seen', otpAdult(phone()), 'AUTH_OTP', 'FAILED:'), persons: [] },
];
const SLIP = SCENARIOS[4];

// Malformed messages that carry codes and phones: their dead-letter reasons must name fields, never values.
const deadPhone = phone();
const deadCodes = [code(), code(9)];
const DEAD: { topic: Topic; key: string; value: Json }[] = [
  {
    topic: Topic.NotificationRequested,
    key: randomUUID(),
    value: { ...event(randomUUID(), 'AUTH_OTP', deadCodes[0]), subjectPersonId: deadPhone },
  },
  {
    topic: Topic.NotificationRequested,
    key: randomUUID(),
    value: event(randomUUID(), 'AUTH_OTP', deadCodes[1]),
  },
  {
    topic: Topic.Person,
    key: randomUUID(),
    value: otpAdult(deadPhone.replace(/^(\+380)(\d\d)(\d{3})(\d\d)(\d\d)$/, '$1 $2 $3 $4 $5')),
  },
  {
    topic: Topic.DeliveryViber,
    key: randomUUID(),
    value: {
      deliveryId: randomUUID(),
      notificationId: randomUUID(),
      eventId: randomUUID(),
      type: 'AUTH_OTP',
      channel: 'VIBER',
      remainingPlan: [],
      step: 0,
      recipient: {
        personId: randomUUID(),
        role: 'SUBJECT',
        phone: deadPhone,
        name: { firstName: 'Олена', lastName: 'Коваленко' },
      },
      content: { sealedCode: deadCodes[0], subjectName: { firstName: 'Олена', lastName: 'Коваленко' } },
      occurredAt: new Date().toISOString(),
    },
  },
];

describe('secrets and access: codes and phones never leak, codes rest sealed, every door needs its key', () => {
  const apps: ChildApp[] = [];
  const bodies: { source: string; text: string }[] = [];
  const outboxSeen = new Map<string, string>();
  let metrics: { source: string; text: string }[] = [];
  let producer: Producer;
  let admin: Admin;
  let db: Pool;
  let start: Awaited<ReturnType<typeof topicEnds>>;
  let outboxPoll: NodeJS.Timeout | undefined;

  const record = async (source: string, response: Response) => {
    const text = await response.text();
    bodies.push({ source: `${source} → ${response.status}`, text });
    return { status: response.status, text };
  };

  beforeAll(async () => {
    // The apps run from dist/, as `npm start` runs them, so their own stdout is what gets searched.
    execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' });
    admin = testKafka().admin();
    await admin.connect();
    producer = testKafka().producer();
    await producer.connect();
    db = new Pool({ connectionString: process.env.DATABASE_URL, max: 3 });
    db.on('error', () => undefined);
    await startGroupsAtEnd(GROUPS);
    start = await topicEnds(admin, WATCHED);

    // Everything that lands in the outbox while the pipeline runs (it is published and deleted at once).
    const poll = () =>
      db
        .query<{ id: string; value: string }>(`SELECT id::text, value FROM outbox_message`)
        .then(({ rows }) => rows.forEach((row) => outboxSeen.set(row.id, row.value)))
        .catch(() => undefined)
        .finally(() => (outboxPoll = setTimeout(poll, 50)));
    void poll();

    const started = await Promise.all([
      ChildApp.start(
        'provider-simulator',
        'apps/provider-simulator/src/main.js',
        {
          ...env,
          PORT: String(PORT.simulator),
          VIBER_CALLBACK_URL: `${url(PORT.viber)}/webhooks/turbosms`,
          SMS_CALLBACK_URL: `${url(PORT.sms)}/webhooks/turbosms`,
          SMSC_CALLBACK_URL: `${url(PORT.sms)}/webhooks/smsc`,
          REPORT_DELAY_MS: '100',
        },
        /listening on/,
      ),
      ChildApp.start(
        'resolver',
        'apps/resolver/src/main.js',
        { ...env, PORT: String(PORT.resolver) },
        /"resolver started"/,
      ),
      ChildApp.start(
        'viber-sender',
        'apps/viber-sender/src/main.js',
        { ...env, PORT: String(PORT.viber) },
        /"viber-sender started"/,
      ),
      ChildApp.start(
        'sms-sender',
        'apps/sms-sender/src/main.js',
        // Both SMS providers, so the SMSC adapter and the failover router are scanned too.
        {
          ...env,
          PORT: String(PORT.sms),
          SMS_PROVIDERS: 'turbosms:50,smsc:50',
          SMSC_BASE_URL: url(PORT.simulator),
        },
        /"sms-sender started"/,
      ),
      ChildApp.start(
        'diia-push-stub',
        'apps/diia-push-stub/src/main.js',
        { ...env, PORT: String(PORT.diia) },
        /"diia-push-stub started"/,
      ),
      ChildApp.start(
        'info-slip-renderer',
        'apps/info-slip-renderer/src/main.js',
        { ...env, PORT: String(PORT.slip) },
        /"info-slip-renderer started"/,
      ),
    ]);
    apps.push(...started);
  });

  afterAll(async () => {
    clearTimeout(outboxPoll);
    outboxPoll = undefined;
    await Promise.all(apps.map((app) => app.stop()));
    await producer?.disconnect();
    await admin?.disconnect();
    await db?.end();
  });

  const terminalOf = async (eventId: string) =>
    (
      await db.query<{ status: string; channel: string | null; reason: string | null }>(
        `SELECT status, channel, reason FROM notification_status_log WHERE event_id = $1 AND is_terminal`,
        [eventId],
      )
    ).rows[0];

  it('runs every scenario to its terminal status and dead-letters the malformed ones', async () => {
    for (const { behaviour } of SCENARIOS) {
      if (!behaviour) continue;
      const { phone: number, ...rest } = behaviour;
      const response = await fetch(
        `${url(PORT.simulator)}/__control/recipients/${encodeURIComponent(number)}`,
        {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(rest),
        },
      );
      expect(response.status).toBe(200);
    }
    const persons = [...new Map(SCENARIOS.flatMap((s) => s.persons).map((p) => [p.id, p])).values()];
    await producer.send({
      topic: Topic.Person,
      messages: persons.map((p) => ({ key: p.id as string, value: JSON.stringify(p) })),
    });
    await eventually(async () => {
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM person WHERE id = ANY($1::uuid[])`, [
        persons.map((p) => p.id),
      ]);
      return rows[0].n === persons.length ? true : undefined;
    }, 'the persons to be in the read model');
    // The code the SMS provider never takes (5xx) expires 12 s from now, unless the attempts run out first.
    SCENARIOS[5].event.expiresAt = new Date(Date.now() + 12_000).toISOString();
    await producer.send({
      topic: Topic.NotificationRequested,
      messages: SCENARIOS.map((s) => ({
        key: s.event.subjectPersonId as string,
        value: JSON.stringify(s.event),
      })),
    });
    for (const dead of DEAD)
      await producer.send({
        topic: dead.topic,
        messages: [{ key: dead.key, value: JSON.stringify(dead.value) }],
      });

    const outcomes = await eventually(
      async () => {
        const rows = await Promise.all(SCENARIOS.map((s) => terminalOf(s.event.eventId as string)));
        return rows.every(Boolean) ? rows : undefined;
      },
      'every scenario to end',
      90_000,
    );
    expect(
      outcomes.map((row, i) => {
        // `expect` may list alternatives (`A|B`): whichever the channel policy reaches first.
        const outcome = `${row.status}:${row.channel ?? ''}`;
        const { name, expect: expected } = SCENARIOS[i];
        return { scenario: name, outcome: expected.split('|').includes(outcome) ? expected : outcome };
      }),
    ).toEqual(SCENARIOS.map((s) => ({ scenario: s.name, outcome: s.expect })));
  });

  it('rejects unsigned and wrongly signed delivery reports with 401, takes a correctly signed one (204)', async () => {
    for (const [channel, port] of [
      ['viber', PORT.viber],
      ['sms', PORT.sms],
    ] as const) {
      const report = Buffer.from(
        JSON.stringify({
          message_id: randomUUID(),
          sequence_id: randomUUID(),
          status: 'Delivered',
          type: channel,
          sent_at: new Date().toISOString(),
        }),
      );
      const post = (headers: Record<string, string>, body: Buffer = report) =>
        fetch(`${url(port)}/webhooks/turbosms`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body,
        });
      const answers = {
        unsigned: (await record(`${channel} webhook unsigned`, await post({}))).status,
        garbage: (
          await record(`${channel} webhook garbage signature`, await post({ 'x-signature': 'sha256=zz' }))
        ).status,
        otherSecret: (
          await record(
            `${channel} webhook other secret`,
            await post({ 'x-signature': signWebhookBody(report, 'local-webhook-secret') }),
          )
        ).status,
        otherBody: (
          await record(
            `${channel} webhook signature of another body`,
            await post({ 'x-signature': signWebhookBody(Buffer.from('{}'), SECRETS.WEBHOOK_SECRET) }),
          )
        ).status,
        signed: (
          await record(
            `${channel} webhook signed`,
            await post({ 'x-signature': signWebhookBody(report, SECRETS.WEBHOOK_SECRET) }),
          )
        ).status,
      };
      expect({ channel, ...answers }).toEqual({
        channel,
        unsigned: 401,
        garbage: 401,
        otherSecret: 401,
        otherBody: 401,
        signed: 204,
      });

      // Signed but unusable, with a phone and a code in it: 400, and the answer repeats neither.
      const bad = Buffer.from(
        JSON.stringify({
          message_id: `${deadPhone}`,
          status: `Lost ${deadCodes[0]}`,
          type: channel,
          text: `${deadPhone} ${deadCodes[0]}`,
        }),
      );
      const answer = await record(
        `${channel} webhook signed, invalid`,
        await post({ 'x-signature': signWebhookBody(bad, SECRETS.WEBHOOK_SECRET) }, bad),
      );
      expect(answer.status).toBe(400);
    }

    // SMSC's status callback (a form) on the sms-sender: the same rules.
    const form = Buffer.from(new URLSearchParams({ id: '12345', phone: deadPhone, status: '1' }).toString());
    const postSmsc = (headers: Record<string, string>, body: Buffer = form) =>
      fetch(`${url(PORT.sms)}/webhooks/smsc`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body,
      });
    const badForm = Buffer.from(
      new URLSearchParams({ id: deadCodes[0], phone: deadPhone, status: `Lost ${deadCodes[0]}` }).toString(),
    );
    expect({
      unsigned: (await record('smsc callback unsigned', await postSmsc({}))).status,
      otherSecret: (
        await record(
          'smsc callback other secret',
          await postSmsc({ 'x-signature': signSmscCallback(form, 'local-webhook-secret') }),
        )
      ).status,
      signedNotOurs: (
        await record(
          'smsc callback signed, not ours',
          await postSmsc({ 'x-signature': signSmscCallback(form, SECRETS.SMSC_WEBHOOK_SECRET) }),
        )
      ).status,
      signedInvalid: (
        await record(
          'smsc callback signed, invalid',
          await postSmsc({ 'x-signature': signSmscCallback(badForm, SECRETS.SMSC_WEBHOOK_SECRET) }, badForm),
        )
      ).status,
    }).toEqual({ unsigned: 401, otherSecret: 401, signedNotOurs: 204, signedInvalid: 400 });
  });

  it('serves slips only with the MIS token (401 without it or with another)', async () => {
    const eventId = SLIP.event.eventId as string;
    const slip = (method: string, path: string, authorization?: string) =>
      fetch(`${url(PORT.slip)}${path}`, {
        method,
        headers: authorization === undefined ? {} : { authorization },
      });
    const statuses: Record<string, number> = {};
    for (const [name, authorization] of [
      ['none', undefined],
      ['wrong', 'Bearer wrong-token-000000'],
      ['support token', `Bearer ${SECRETS.SUPPORT_TOKEN}`],
      ['no scheme', SECRETS.MIS_TOKEN],
      ['prefix', `Bearer ${SECRETS.MIS_TOKEN.slice(0, -1)}`],
    ] as const) {
      statuses[`download ${name}`] = (
        await record(`slip download (${name})`, await slip('GET', `/slips/${eventId}.pdf`, authorization))
      ).status;
      statuses[`printed ${name}`] = (
        await record(`slip printed (${name})`, await slip('POST', `/slips/${eventId}/printed`, authorization))
      ).status;
    }
    expect(Object.values(statuses)).toEqual(Object.keys(statuses).map(() => 401));
    const pdf = await slip('GET', `/slips/${eventId}.pdf`, `Bearer ${SECRETS.MIS_TOKEN}`);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toMatch(/^application\/pdf/);
    const unknown = await record(
      'slip download (unknown)',
      await slip('GET', `/slips/${randomUUID()}.pdf`, `Bearer ${SECRETS.MIS_TOKEN}`),
    );
    expect(unknown.status).toBe(404);
  });

  it('shows GET /notifications/{eventId} only with the support token, phones masked and no code', async () => {
    const get = (eventId: string, authorization?: string) =>
      fetch(`${url(PORT.resolver)}/notifications/${eventId}`, {
        headers: authorization === undefined ? {} : { authorization },
      });
    const target = SCENARIOS[3].event.eventId as string; // the child: recipient is the mother
    for (const [name, authorization] of [
      ['none', undefined],
      ['wrong', 'Bearer wrong-token-000000'],
      ['MIS token', `Bearer ${SECRETS.MIS_TOKEN}`],
      ['no scheme', SECRETS.SUPPORT_TOKEN],
    ] as const) {
      expect({
        name,
        status: (await record(`support (${name})`, await get(target, authorization))).status,
      }).toEqual({ name, status: 401 });
      // 401 before the id is even looked at: no hint of what a valid id is.
      expect({
        name,
        status: (await record(`support bad id (${name})`, await get('not-an-id', authorization))).status,
      }).toEqual({ name, status: 401 });
    }
    for (const s of SCENARIOS) {
      const shown = await record(
        `support ${s.name}`,
        await get(s.event.eventId as string, `Bearer ${SECRETS.SUPPORT_TOKEN}`),
      );
      expect(shown.status).toBe(200);
    }
    const shown = bodies.find((b) => b.source.startsWith(`support ${SCENARIOS[3].name}`))!.text;
    expect(shown).toContain((mother.phones as { number: string }[])[0].number.slice(0, 6) + '*****');
  });

  it('keeps codes sealed at rest: requests, delivery commands, slips, the outbox and the internal topics', async () => {
    const ids = SCENARIOS.map((s) => s.event.eventId as string);
    const { rows } = await db.query<{ what: string; event_id: string; text: string; sealed: string | null }>(
      `SELECT 'notification.request' AS what, event_id::text, request::text AS text, request->'payload'->>'sealedCode' AS sealed FROM notification WHERE event_id = ANY($1::uuid[])
       UNION ALL SELECT 'delivery.command ' || channel, event_id::text, command::text, command->'content'->>'sealedCode' FROM delivery WHERE event_id = ANY($1::uuid[])
       UNION ALL SELECT 'slip.command', event_id::text, command::text, command->'content'->>'sealedCode' FROM slip WHERE event_id = ANY($1::uuid[])`,
      [ids],
    );
    const codeOf = new Map(SCENARIOS.map((s) => [s.event.eventId as string, s.code]));
    const problems: string[] = [];
    for (const row of rows) {
      const secret = codeOf.get(row.event_id)!;
      if (new RegExp(`(?<!\\d)${secret}(?!\\d)`).test(row.text))
        problems.push(`${row.what} of ${row.event_id} holds the plain code`);
      if (!row.sealed) problems.push(`${row.what} of ${row.event_id} has no sealedCode`);
      else if (cipher.open(row.sealed) !== secret)
        problems.push(`${row.what} of ${row.event_id}: sealedCode is not the code`);
    }
    expect(problems).toEqual([]);
    const kinds = new Set(rows.map((row) => row.what));
    for (const kind of [
      'notification.request',
      'delivery.command VIBER',
      'delivery.command SMS',
      'delivery.command DIIA',
      'slip.command',
    ])
      expect(kinds).toContain(kind);

    // The internal topics carry the same commands: each with the sealed code, none with the plain one.
    const commands = (await readBetween(testKafka(), start, await topicEnds(admin, DELIVERY_TOPICS))).flatMap(
      (message) => {
        const value = message.value?.toString('utf8') ?? '';
        const eventId = (JSON.parse(value) as { eventId?: string }).eventId ?? '';
        return codeOf.has(eventId) ? [{ topic: message.topic, eventId, value }] : [];
      },
    );
    expect(commands.length).toBeGreaterThanOrEqual(
      rows.filter((row) => row.what !== 'notification.request').length,
    );
    for (const command of commands) {
      const secret = codeOf.get(command.eventId)!;
      expect({
        topic: command.topic,
        plain: new RegExp(`(?<!\\d)${secret}(?!\\d)`).test(command.value),
      }).toEqual({ topic: command.topic, plain: false });
      expect(
        cipher.open((JSON.parse(command.value) as { content: { sealedCode: string } }).content.sealedCode),
      ).toBe(secret);
    }
    // And whatever the outbox held while we watched.
    const codes = [...codeOf.values()];
    const leaked = [...outboxSeen.values()].filter((value) =>
      codes.some((secret) => new RegExp(`(?<!\\d)${secret}(?!\\d)`).test(value)),
    );
    expect(leaked).toEqual([]);
    console.log(
      `secrets: ${rows.length} rows at rest, ${commands.length} internal commands, ${outboxSeen.size} outbox rows seen, all sealed`,
    );
  });

  // Known leak, outside this suite's reach: Express's JSON parser error names the offending text ("Unexpected
  // token 'x', "x+380…" is not valid JSON") and Nest sends it back as the 400 message; a URL that cannot be
  // decoded is echoed the same way. Fix: a global exception filter in libs/runtime/src/bootstrap.ts that
  // answers these with a fixed message. When it lands, this test fails: drop `.failing`.
  it.failing('does not repeat a malformed request body or path in its 400 answer', async () => {
    const secret = code();
    const number = phone();
    const answers = [
      await fetch(`${url(PORT.viber)}/webhooks/turbosms`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: `x ${number} ${secret}`,
      }),
      await fetch(`${url(PORT.resolver)}/notifications/${encodeURIComponent(number)}%ZZ`, {
        headers: { authorization: `Bearer ${SECRETS.SUPPORT_TOKEN}` },
      }),
    ];
    const scanner = new SecretScanner({ codes: [secret], phones: [number], tokens: [] });
    const texts = await Promise.all(answers.map((answer) => answer.text()));
    expect(texts.flatMap((text, i) => scanner.scan(`answer ${i}`, text))).toEqual([]);
  });

  describe('retention', () => {
    let dataSource: DataSource;
    const logger = createLogger('secrets-test', 'silent');

    beforeAll(async () => {
      dataSource = new DataSource({ type: 'postgres', url: process.env.DATABASE_URL, poolSize: 2 });
      await dataSource.initialize();
    });
    afterAll(() => dataSource?.destroy());

    it('purges a slip once its retention is over (then the MIS gets 404)', async () => {
      const eventId = SLIP.event.eventId as string;
      const slips = new SlipService(
        dataSource,
        undefined as never,
        cipher,
        undefined as never,
        { RETENTION_HOURS: 1 } as InfoSlipRendererConfig,
        logger,
      );
      await slips.purgeExpired();
      expect((await db.query(`SELECT 1 FROM slip WHERE event_id = $1`, [eventId])).rowCount).toBe(1); // not due yet
      await db.query(`UPDATE slip SET purge_after = now() - interval '1 second' WHERE event_id = $1`, [
        eventId,
      ]);
      expect(await slips.purgeExpired()).toBeGreaterThanOrEqual(1);
      expect((await db.query(`SELECT 1 FROM slip WHERE event_id = $1`, [eventId])).rowCount).toBe(0);
      const gone = await fetch(`${url(PORT.slip)}/slips/${eventId}.pdf`, {
        headers: { authorization: `Bearer ${SECRETS.MIS_TOKEN}` },
      });
      expect(gone.status).toBe(404);
    });

    it('purges the sealed codes of notifications terminal for longer than RETENTION_HOURS, and only those', async () => {
      const retention = new RetentionService(dataSource, { RETENTION_HOURS: 1 } as ResolverConfig, logger);
      const [aged, ...fresh] = SCENARIOS.filter((s) => s !== SLIP).map((s) => s.event.eventId as string);
      // Time passes for one event only: its terminal status is now two hours old.
      await db.query(`UPDATE notification_status_log SET at = at - interval '2 hours' WHERE event_id = $1`, [
        aged,
      ]);
      await retention.purgeExpiredCodes();
      const sealed = async (eventId: string) =>
        (
          await db.query<{ what: string; sealed: boolean }>(
            `SELECT 'request' AS what, request->'payload' ? 'sealedCode' AS sealed FROM notification WHERE event_id = $1
             UNION ALL SELECT 'command ' || channel, command->'content' ? 'sealedCode' FROM delivery WHERE event_id = $1`,
            [eventId],
          )
        ).rows;
      const agedRows = await sealed(aged);
      expect(agedRows.length).toBeGreaterThanOrEqual(2);
      expect(agedRows.filter((row) => row.sealed)).toEqual([]);
      for (const eventId of fresh)
        expect((await sealed(eventId)).filter((row) => row.sealed).length).toBeGreaterThanOrEqual(1);
    });
  });

  it('never writes a code, a full phone or a secret to logs (at debug), metrics, dead letters, statuses or HTTP answers', async () => {
    metrics = await Promise.all(
      Object.entries(PORT)
        .filter(([name]) => name !== 'simulator')
        .map(async ([name, port]) => ({
          source: `${name} /metrics`,
          text: await (await fetch(`${url(port)}/metrics`)).text(),
        })),
    );
    // Stop the apps first: their shutdown lines are searched too.
    await Promise.all(apps.map((app) => app.stop()));

    const scanner = new SecretScanner({
      codes: [...SCENARIOS.map((s) => s.code), ...deadCodes],
      phones,
      tokens: Object.values(SECRETS),
    });
    const ids = new Set(SCENARIOS.map((s) => s.event.eventId as string));
    const watched = await readBetween(
      testKafka(),
      start,
      await topicEnds(admin, [...CONSUMED_TOPICS.map(dlqTopic), Topic.NotificationStatus]),
    );
    const deadLetters = watched.filter(
      (m) => m.topic.endsWith('.dlq') && m.headers['x-consumer-group']?.startsWith(`${PREFIX}.`),
    );
    const statusEvents = watched.filter((m) => m.topic === Topic.NotificationStatus);
    const { rows: logged } = await db.query<{ text: string }>(
      `SELECT row_to_json(s)::text AS text FROM notification_status_log s WHERE event_id = ANY($1::uuid[])
       UNION ALL SELECT json_build_object('lastError', last_error, 'lateReport', late_report)::text FROM delivery WHERE event_id = ANY($1::uuid[])`,
      [[...ids]],
    );

    const sources = [
      ...apps.flatMap((app) =>
        app.lines.map((line, i) => ({ source: `${app.name} log line ${i + 1}`, text: line })),
      ),
      ...metrics,
      ...deadLetters.map((m) => ({
        source: `dead letter ${m.topic}@${m.offset}`,
        text: JSON.stringify(
          Object.fromEntries(Object.entries(m.headers).filter(([name]) => name.startsWith('x-'))),
        ),
      })),
      ...statusEvents.map((m) => ({
        source: `status event @${m.offset}`,
        text: m.value?.toString('utf8') ?? '',
      })),
      ...logged.map((row, i) => ({ source: `status log / delivery row ${i}`, text: row.text })),
      ...bodies,
    ];
    const findings: Finding[] = sources.flatMap(({ source, text }) => scanner.scan(source, text));

    const lines = apps.reduce((n, app) => n + app.lines.length, 0);
    console.log(
      `secrets: searched ${lines} log lines, ${metrics.length} metrics pages, ${deadLetters.length} dead letters, ${statusEvents.length} status events, ${bodies.length} HTTP answers`,
    );
    // What was searched must be real: debug lines from every app, our dead letters, our statuses.
    for (const app of apps)
      expect({ app: app.name, lines: app.lines.length > 10 }).toEqual({ app: app.name, lines: true });
    expect(deadLetters.length).toBeGreaterThanOrEqual(DEAD.length);
    expect(
      statusEvents.filter((m) => ids.has(JSON.parse(m.value!.toString()).eventId)).length,
    ).toBeGreaterThanOrEqual(SCENARIOS.length * 2);
    expect(findings.slice(0, 20)).toEqual([]);
  });
});
