import 'reflect-metadata';
import { randomInt, randomUUID } from 'node:crypto';
import { type NotificationRequested, type PersonSnapshot, Topic } from '@app/contracts';
import { CodeCipher, LOCAL_SECRETS } from '@app/platform';
import { eventually, prescriptionEvent, produce, startGroupsAtEnd, testKafka } from '@app/testing';
import type { Producer } from 'kafkajs';
import { Client } from 'pg';
import { startInfoSlipRenderer } from '../apps/info-slip-renderer/src/main';
import { ensureSlipTestTools, pdfToText } from '../apps/info-slip-renderer/src/pdf/pdf-inspect.testing';
import { SlipService } from '../apps/info-slip-renderer/src/slip.service';
import { startResolver } from '../apps/resolver/src/main';

jest.setTimeout(90_000);

// Own consumer groups and ports, so the suite runs beside other suites and a running system on the same
// broker. MIS_TOKEN is left unset: the renderer must fall back to the local default of contract §10.
const GROUP_PREFIX = 'esoz-notify-test.slip';
const RENDERER = 'http://127.0.0.1:16005';
const MIS_TOKEN = 'local-mis-token';
const env = {
  ...process.env,
  LOG_LEVEL: 'warn',
  KAFKA_GROUP_PREFIX: GROUP_PREFIX,
  DIIA_ENABLED: 'false',
  MIS_TOKEN: undefined,
  RETENTION_HOURS: '720',
};

const TERMINAL = ['DELIVERED', 'FAILED', 'EXPIRED', 'SKIPPED', 'REJECTED', 'SLIP_READY'];

/** pdftotext -layout output with line breaks and column gaps folded to single spaces, hyphen-wraps joined. */
const flat = (text: string) => text.replace(/(\S-)[ \t]*\n\s*/g, '$1').replace(/\s+/g, ' ');

// Document numbers use the Latin letters that have Cyrillic twins, plus digits.
const NUMBER_CHARS = 'ABCEHKMPTX0123456789';
const block = () => Array.from({ length: 4 }, () => NUMBER_CHARS[randomInt(NUMBER_CHARS.length)]).join('');
const prescriptionNumber = () => `0000-${block()}-${block()}-${block()}`;
const referralNumber = () => `${block()}-${block()}-${block()}-${block()}`;

/** A 4-digit code that occurs nowhere in `context`, so finding it later can only mean the code leaked. */
function codeAbsentFrom(context: unknown): string {
  const text = JSON.stringify(context);
  for (;;) {
    const code = String(randomInt(1000, 10_000));
    if (!text.includes(code)) return code;
  }
}

function offlineMethod() {
  return {
    id: randomUUID(),
    type: 'OFFLINE' as const,
    isActive: true,
    startedAt: '2020-01-01T00:00:00Z',
    insertedAt: '2020-01-01T00:00:00Z',
  };
}

/** A person whose only authentication method is OFFLINE ("by documents"): no phone at all. */
function offlineAdult(overrides: Partial<PersonSnapshot> = {}): PersonSnapshot {
  return {
    id: randomUUID(),
    birthDate: '1951-11-03',
    firstName: 'Мар’яна',
    lastName: 'Григор’єва',
    secondName: 'Святославівна',
    verificationStatus: 'VERIFIED',
    phones: [],
    authenticationMethods: [offlineMethod()],
    confidantPersons: [],
    updatedAt: new Date().toISOString(),
    ...overrides,
  };
}

/** A child of 9 reached through `mother` (THIRD_PERSON, verified relationship); its own OFFLINE must be ignored. */
function childOf(mother: PersonSnapshot): PersonSnapshot {
  return offlineAdult({
    birthDate: `${new Date().getUTCFullYear() - 9}-05-12`,
    firstName: 'Ілля',
    lastName: 'Їжакевич-Єременко',
    secondName: 'Андрійович',
    authenticationMethods: [
      offlineMethod(),
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
  });
}

const PRESCRIPTION_DETAILS = {
  medication: 'Еналаприл, таблетки 10 мг',
  dosage: 'По 1 таблетці щоранку, не розжовуючи',
  quantity: '30 таблеток',
  prescriber: 'Ґонта Ївга Євгенівна, лікар загальної практики — сімейний лікар',
  facility: 'КНП «Центр первинної медико-санітарної допомоги № 3», м. Біла Церква',
};
// Labels written out by hand (not imported from the renderer) so a wording or mapping bug shows.
const PRESCRIPTION_LABELS: Record<keyof typeof PRESCRIPTION_DETAILS, string> = {
  medication: 'Лікарський засіб',
  dosage: 'Дозування',
  quantity: 'Кількість',
  prescriber: 'Лікар',
  facility: 'Заклад охорони здоров’я',
};

describe('information slips end to end: resolver → info-slip-renderer → MIS download (real Kafka and Postgres)', () => {
  const closers: (() => Promise<void>)[] = [];
  let producer: Producer;
  let db: Client;
  let slips: SlipService;
  const cipher = new CodeCipher(process.env.CODE_ENCRYPTION_KEY ?? LOCAL_SECRETS.CODE_ENCRYPTION_KEY);

  beforeAll(async () => {
    ensureSlipTestTools();
    await startGroupsAtEnd({
      [`${GROUP_PREFIX}.resolver`]: [Topic.Person, Topic.NotificationRequested],
      [`${GROUP_PREFIX}.info-slip-renderer`]: [Topic.DeliverySlip],
    });
    const [resolver, renderer] = await Promise.all([
      startResolver({ ...env, PORT: '16001' }),
      startInfoSlipRenderer({ ...env, PORT: '16005' }),
    ]);
    closers.push(
      () => resolver.close(),
      () => renderer.close(),
    );
    slips = renderer.app.get(SlipService);
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

  /** Publishes snapshots and waits until the resolver holds them all (events never race their subjects). */
  async function publishPersons(...persons: PersonSnapshot[]): Promise<void> {
    await produce(
      producer,
      Topic.Person,
      persons.map((person) => ({ key: person.id, value: person })),
    );
    const ids = persons.map((person) => person.id);
    await eventually(
      async () => {
        const { rows } = await db.query(`SELECT count(*)::int AS n FROM person WHERE id = ANY($1::uuid[])`, [
          ids,
        ]);
        return rows[0].n === ids.length ? true : undefined;
      },
      `person snapshots ${ids.join(', ')}`,
    );
  }

  async function request(event: NotificationRequested): Promise<void> {
    await produce(producer, Topic.NotificationRequested, [{ key: event.subjectPersonId, value: event }]);
  }

  const timeline = async (eventId: string) =>
    (
      await db.query(
        `SELECT status, channel, reason, recipient, is_terminal FROM notification_status_log WHERE event_id = $1 ORDER BY id`,
        [eventId],
      )
    ).rows;

  const terminalOf = (eventId: string) =>
    eventually(async () => {
      const rows = await timeline(eventId);
      return rows.some((row) => TERMINAL.includes(row.status)) ? rows : undefined;
    }, `terminal status of ${eventId}`);

  const summary = (rows: { status: string; channel: string | null }[]) =>
    rows.map((row) => `${row.status}:${row.channel ?? ''}`);

  const call = (method: 'GET' | 'POST', path: string, authorization?: string) =>
    fetch(`${RENDERER}${path}`, {
      method,
      headers: authorization === undefined ? {} : { authorization },
    });

  async function download(eventId: string) {
    const response = await call('GET', `/slips/${eventId}.pdf`, `Bearer ${MIS_TOKEN}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/pdf\b/);
    const pdf = Buffer.from(await response.arrayBuffer());
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    return pdf;
  }

  const storedSlip = async (eventId: string) =>
    (await db.query(`SELECT command, printed_at, purge_after FROM slip WHERE event_id = $1`, [eventId]))
      .rows[0];

  describe('an OFFLINE adult’s e-prescription', () => {
    const patient = offlineAdult();
    const number = prescriptionNumber();
    const base = prescriptionEvent(patient.id);
    const code = codeAbsentFrom({ patient, base, number, PRESCRIPTION_DETAILS });
    const event: NotificationRequested = {
      ...base,
      payload: {
        number,
        verificationCode: code,
        validFrom: '2026-11-23',
        validUntil: '2026-12-23',
        details: PRESCRIPTION_DETAILS,
      },
    };
    let rows: Awaited<ReturnType<typeof timeline>>;

    beforeAll(async () => {
      await publishPersons(patient);
      await request(event);
      rows = await terminalOf(event.eventId);
    });

    it('is resolved to the SLIP channel and ends SLIP_READY for the patient', () => {
      expect(summary(rows)).toEqual(['RESOLVED:', 'SLIP_READY:SLIP']);
      expect(rows[1].recipient).toEqual({ personId: patient.id, role: 'SUBJECT' });
      expect(rows.filter((row) => row.is_terminal).map((row) => row.status)).toEqual(['SLIP_READY']);
    });

    it('downloads as a PDF holding the number, the code, the patient and the details in Ukrainian', async () => {
      const text = flat(pdfToText(await download(event.eventId)));
      expect(text).toContain('Інформаційна довідка до електронного рецепта');
      // The number box and the code box sit side by side, so pdftotext may interleave their lines.
      expect(text).toContain('Номер рецепта ');
      expect(text).toContain(` ${number} `);
      expect(text).toContain('Код підтвердження');
      expect(text).toMatch(new RegExp(` ${code} `));
      expect(text).toContain('Пацієнт Григор’єва Мар’яна Святославівна');
      expect(text).toContain('Дата народження 03.11.1951');
      expect(text).not.toContain('Законний представник');
      for (const [field, value] of Object.entries(PRESCRIPTION_DETAILS)) {
        expect(text).toContain(`${PRESCRIPTION_LABELS[field as keyof typeof PRESCRIPTION_LABELS]} ${value}`);
      }
      expect(text).toContain('Термін дії з 23.11.2026 до 23.12.2026');
    });

    it('gives identical bytes on every download', async () => {
      const first = await download(event.eventId);
      const second = await download(event.eventId);
      expect(second.equals(first)).toBe(true);
    });

    it('stores the slip with the code sealed, never in clear', async () => {
      const { command } = await storedSlip(event.eventId);
      expect(command.eventId).toBe(event.eventId);
      expect(command.content.sealedCode).toMatch(/^v1\./);
      expect(cipher.open(command.content.sealedCode)).toBe(code); // it is this code, sealed
      expect(JSON.stringify(command)).not.toContain('verificationCode');
      // Everything but the sealed code and the ids the resolver minted was checked above to be free of the code.
      const { sealedCode: _sealed, ...content } = command.content;
      const { deliveryId: _d, notificationId: _n, ...rest } = command;
      expect(JSON.stringify({ ...rest, content })).not.toContain(code);
      // The raw jsonb as Postgres holds it, too.
      const { rows: raw } = await db.query(`SELECT command::text AS text FROM slip WHERE event_id = $1`, [
        event.eventId,
      ]);
      expect(raw[0].text).not.toMatch(new RegExp(`"${code}"`));
    });

    it('is marked printed by the MIS: 204, SLIP_PRINTED recorded, SLIP_READY stays the only terminal status', async () => {
      const response = await call('POST', `/slips/${event.eventId}/printed`, `Bearer ${MIS_TOKEN}`);
      expect(response.status).toBe(204);
      const after = await timeline(event.eventId);
      expect(summary(after)).toEqual(['RESOLVED:', 'SLIP_READY:SLIP', 'SLIP_PRINTED:SLIP']);
      expect(after[2].is_terminal).toBe(false);
      expect(after[2].recipient).toEqual({ personId: patient.id, role: 'SUBJECT' });
      expect(after.filter((row) => row.is_terminal).map((row) => row.status)).toEqual(['SLIP_READY']);
      expect((await storedSlip(event.eventId)).printed_at).toBeInstanceOf(Date);
      // The slip can still be downloaded (a reprint) after it was printed.
      await download(event.eventId);
      // A repeated POST (an MIS retry) is answered the same and announces nothing new.
      expect((await call('POST', `/slips/${event.eventId}/printed`, `Bearer ${MIS_TOKEN}`)).status).toBe(204);
      expect(summary(await timeline(event.eventId))).toEqual([
        'RESOLVED:',
        'SLIP_READY:SLIP',
        'SLIP_PRINTED:SLIP',
      ]);
    });

    it('refuses the MIS endpoints without the right bearer token', async () => {
      const wrong = [
        undefined,
        '',
        'Bearer',
        'Bearer wrong-token',
        `Bearer ${MIS_TOKEN}x`,
        `Basic ${MIS_TOKEN}`,
        MIS_TOKEN,
      ];
      for (const authorization of wrong) {
        const get = await call('GET', `/slips/${event.eventId}.pdf`, authorization);
        expect({ authorization, status: get.status }).toEqual({ authorization, status: 401 });
        expect(get.headers.get('content-type')).not.toMatch(/pdf/);
        const post = await call('POST', `/slips/${event.eventId}/printed`, authorization);
        expect({ authorization, status: post.status }).toEqual({ authorization, status: 401 });
      }
      // Unknown ids too: no token, no answer about whether a slip exists.
      expect((await call('GET', `/slips/${randomUUID()}.pdf`)).status).toBe(401);
      expect((await call('POST', `/slips/${randomUUID()}/printed`)).status).toBe(401);
    });
  });

  it('answers 404 for an unknown event id and for a malformed one', async () => {
    const auth = `Bearer ${MIS_TOKEN}`;
    for (const path of [
      `/slips/${randomUUID()}.pdf`,
      '/slips/not-an-event-id.pdf',
      `/slips/${randomUUID()}`, // no .pdf
      `/slips/${randomUUID().slice(0, -1)}.pdf`,
    ]) {
      expect({ path, status: (await call('GET', path, auth)).status }).toEqual({ path, status: 404 });
    }
    for (const path of [`/slips/${randomUUID()}/printed`, '/slips/not-an-event-id/printed']) {
      expect({ path, status: (await call('POST', path, auth)).status }).toEqual({ path, status: 404 });
    }
  });

  it('names both the child under 14 and the OFFLINE mother on the slip', async () => {
    const mother = offlineAdult({
      firstName: 'Ґалина',
      lastName: 'Їжакевич-Єременко',
      secondName: 'Юріївна',
      birthDate: '1988-02-29',
    });
    const child = childOf(mother);
    await publishPersons(mother, child);
    const event = prescriptionEvent(child.id, {
      payload: {
        number: prescriptionNumber(),
        verificationCode: String(randomInt(1000, 10_000)),
        details: { medication: 'Сальбутамол, аерозоль для інгаляцій 100 мкг/дозу', quantity: '1 балон' },
      },
    });
    await request(event);

    const rows = await terminalOf(event.eventId);
    expect(summary(rows)).toEqual(['RESOLVED:', 'SLIP_READY:SLIP']);
    expect(rows[1].recipient).toEqual({ personId: mother.id, role: 'REPRESENTATIVE' });
    const text = flat(pdfToText(await download(event.eventId)));
    expect(text).toContain('Пацієнт Їжакевич-Єременко Ілля Андрійович');
    expect(text).toContain(`Дата народження 12.05.${child.birthDate.slice(0, 4)}`);
    expect(text).toContain('Законний представник Їжакевич-Єременко Ґалина Юріївна');
    expect(text).toContain(` ${event.payload.number} `);
    expect(text).toMatch(new RegExp(` ${event.payload.verificationCode} `));
    expect(text).toContain('Лікарський засіб Сальбутамол, аерозоль для інгаляцій 100 мкг/дозу');
  });

  it('makes a referral slip for an OFFLINE patient’s SERVICE_REQUEST_CREATED', async () => {
    const patient = offlineAdult({
      firstName: 'Євген',
      lastName: 'Ґудзь',
      secondName: 'Їжакович',
      birthDate: '1970-01-15',
    });
    await publishPersons(patient);
    const number = referralNumber();
    const event: NotificationRequested = {
      eventId: randomUUID(),
      type: 'SERVICE_REQUEST_CREATED',
      occurredAt: new Date().toISOString(),
      subjectPersonId: patient.id,
      payload: {
        number,
        encounterId: randomUUID(),
        validUntil: '2026-12-31',
        details: {
          service: 'Консультація лікаря-ендокринолога',
          referringDoctor: 'Ковальчук Олег Петрович',
          facility: 'КНП «Центр первинної медико-санітарної допомоги № 2», м. Кам’янське',
        },
      },
    };
    await request(event);

    const rows = await terminalOf(event.eventId);
    expect(summary(rows)).toEqual(['RESOLVED:', 'SLIP_READY:SLIP']);
    const text = flat(pdfToText(await download(event.eventId)));
    expect(text).toContain('Інформаційна довідка до електронного направлення');
    expect(text).toContain('Номер направлення ');
    expect(text).toContain(` ${number} `);
    expect(text).toContain('Пацієнт Ґудзь Євген Їжакович');
    expect(text).toContain('Послуга Консультація лікаря-ендокринолога');
    expect(text).toContain('Лікар, що направив Ковальчук Олег Петрович');
    expect(text).toContain(
      'Заклад охорони здоров’я КНП «Центр первинної медико-санітарної допомоги № 2», м. Кам’янське',
    );
    expect(text).toContain('Термін дії до 31.12.2026');
    expect(text).not.toContain('Код підтвердження');
    expect(text).not.toContain('Номер рецепта');
  });

  it('purges a slip past purge_after, and only that one; it is then 404', async () => {
    const [expired, kept] = [offlineAdult(), offlineAdult()];
    await publishPersons(expired, kept);
    const events = [expired, kept].map((person) =>
      prescriptionEvent(person.id, { payload: { number: prescriptionNumber(), verificationCode: '5173' } }),
    );
    for (const event of events) await request(event);
    for (const event of events) expect((await terminalOf(event.eventId)).at(-1)?.status).toBe('SLIP_READY');
    const [gone, stays] = events.map((event) => event.eventId);
    // Retention is 30 days: a fresh slip must not be purged.
    expect((await storedSlip(stays)).purge_after.getTime()).toBeGreaterThan(Date.now() + 29 * 24 * 3600_000);
    await db.query(`UPDATE slip SET purge_after = now() - interval '1 second' WHERE event_id = $1`, [gone]);

    expect(await slips.purgeExpired()).toBeGreaterThanOrEqual(1); // others' leftovers may go too
    expect(await slips.purgeExpired()).toBe(0); // the count is of rows deleted

    expect(await storedSlip(gone)).toBeUndefined();
    expect(await storedSlip(stays)).toBeDefined();
    const auth = `Bearer ${MIS_TOKEN}`;
    expect((await call('GET', `/slips/${gone}.pdf`, auth)).status).toBe(404);
    expect((await call('POST', `/slips/${gone}/printed`, auth)).status).toBe(404);
    await download(stays);
  });
});
