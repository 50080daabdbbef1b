import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { type DeliveryCommand, Topic } from '@app/contracts';
import { CodeCipher, LOCAL_SECRETS } from '@app/platform';
import { parseSmsProviders, providerOrder, smscMessageId } from '@app/providers';
import { eventually, produce, startGroupsAtEnd, testKafka, uniquePhone } from '@app/testing';
import type { Producer } from 'kafkajs';
import { Client } from 'pg';
import { startProviderSimulator } from '../apps/provider-simulator/src/main';
import { startResolver } from '../apps/resolver/src/main';
import { startSmsSender } from '../apps/sms-sender/src/main';

jest.setTimeout(120_000);

/**
 * A second SMS provider with failover (contract §11.4, docs/decisions/0004), on the real broker and
 * database: the sms-sender with SMS_PROVIDERS=turbosms:70,smsc:30 against the simulator, which serves both
 * providers' APIs. Delivery commands go straight onto esoz.delivery.sms.v1. Every case checks that nothing
 * is lost (every delivery ends DELIVERED, or EXPIRED when both providers stay down) and nothing is doubled
 * (at most one message per delivery at the simulator, across both providers).
 */
const PORT = { simulator: 4550, resolver: 4551, sms: 4553 };
const SUPPORT_TOKEN = 'failover-int-spec-support-token';
const SIMULATOR = `http://127.0.0.1:${PORT.simulator}`;
const SENDER = `http://127.0.0.1:${PORT.sms}`;
const GROUP_PREFIX = 'esoz-notify-test.failover';
const PROVIDERS = 'turbosms:70,smsc:30';
const TIMEOUT_MS = 700;
const cipher = new CodeCipher(LOCAL_SECRETS.CODE_ENCRYPTION_KEY);

interface SimulatorMessage {
  id: string;
  phone: string;
  channel: string;
  sequenceId: string | null;
  provider: 'turbosms' | 'smsc';
}

interface DeliveryRow {
  id: string;
  state: string;
  attempts: number;
  provider_message_id: string | null;
  last_error: string | null;
}

describe('SMS through two providers with failover (real Kafka, Postgres, simulator)', () => {
  let simulator: Awaited<ReturnType<typeof startProviderSimulator>>;
  let sender: Awaited<ReturnType<typeof startSmsSender>>;
  /** Only for support's view of a delivery (GET /notifications/{eventId}). */
  let resolver: Awaited<ReturnType<typeof startResolver>>;
  let producer: Producer;
  let db: Client;

  beforeAll(async () => {
    await startGroupsAtEnd({
      [`${GROUP_PREFIX}.sms-sender`]: [Topic.DeliverySms],
      [`${GROUP_PREFIX}.resolver`]: [Topic.Person, Topic.NotificationRequested],
    });
    simulator = await startProviderSimulator({
      ...process.env,
      LOG_LEVEL: 'warn',
      PORT: String(PORT.simulator),
      VIBER_CALLBACK_URL: `http://127.0.0.1:${PORT.sms - 1}/webhooks/turbosms`,
      SMS_CALLBACK_URL: `${SENDER}/webhooks/turbosms`,
      SMSC_CALLBACK_URL: `${SENDER}/webhooks/smsc`,
      REPORT_DELAY_MS: '100',
    });
    sender = await startSmsSender({
      ...process.env,
      LOG_LEVEL: 'warn',
      PORT: String(PORT.sms),
      KAFKA_GROUP_PREFIX: GROUP_PREFIX,
      PROVIDER_BASE_URL: SIMULATOR,
      SMSC_BASE_URL: SIMULATOR,
      SMS_PROVIDERS: PROVIDERS,
      PROVIDER_TIMEOUT_MS: String(TIMEOUT_MS),
      SMS_MAX_ATTEMPTS: '60',
      SMS_MAX_BACKOFF_SECONDS: '1',
      CODE_REPORT_TIMEOUT_SECONDS: '30',
      SMS_PROVIDER_FAILURE_THRESHOLD: '2',
      SMS_PROVIDER_COOLDOWN_SECONDS: '1',
      SMS_PROVIDER_MAX_COOLDOWN_SECONDS: '2',
      SMS_PROVIDER_REPORT_SILENCE_SECONDS: '5',
      SMS_PROVIDER_MISSING_REPORTS: '3',
    });
    resolver = await startResolver({
      ...process.env,
      LOG_LEVEL: 'warn',
      PORT: String(PORT.resolver),
      KAFKA_GROUP_PREFIX: GROUP_PREFIX,
      SUPPORT_TOKEN,
    });
    producer = testKafka().producer();
    await producer.connect();
    db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await sender?.close();
    await resolver?.close();
    await simulator?.close();
    await db?.end();
  });

  beforeEach(async () => {
    const response = await fetch(`${SIMULATOR}/__control`, { method: 'DELETE' });
    expect(response.status).toBe(204);
    await bothProvidersUp();
  });

  // ---- helpers --------------------------------------------------------------------------------------------

  /** A delivery id whose first choice by weight is `provider`, so a case can aim at one provider. */
  function deliveryIdStartingAt(provider: 'turbosms' | 'smsc'): string {
    for (;;) {
      const id = randomUUID();
      if (providerOrder(id, parseSmsProviders(PROVIDERS))[0] === provider) return id;
    }
  }

  function command(deliveryId: string, expiresInMs = 5 * 60_000): DeliveryCommand {
    return {
      deliveryId,
      notificationId: randomUUID(),
      eventId: randomUUID(),
      type: 'MEDICATION_REQUEST_CREATED',
      channel: 'SMS',
      remainingPlan: [],
      step: 2,
      recipient: {
        personId: randomUUID(),
        role: 'SUBJECT',
        phone: uniquePhone(),
        name: { firstName: 'Олена', lastName: 'Коваленко' },
      },
      content: {
        number: '0000-K8K5-5MTE-352H',
        sealedCode: cipher.seal('4821'),
        subjectName: { firstName: 'Олена', lastName: 'Коваленко' },
      },
      occurredAt: new Date().toISOString(),
      expiresAt: new Date(Date.now() + expiresInMs).toISOString(),
    };
  }

  async function send(commands: DeliveryCommand[]): Promise<void> {
    await produce(
      producer,
      Topic.DeliverySms,
      commands.map((c) => ({ key: c.notificationId, value: c })),
    );
  }

  async function control(path: string, body: object): Promise<void> {
    const response = await fetch(`${SIMULATOR}/__control/${path}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
  }

  const outage = (provider: 'turbosms' | 'smsc', value: 'ERROR_5XX' | 'TIMEOUT' | null) =>
    control(`providers/${provider}`, { outage: value });

  async function deliveries(commands: DeliveryCommand[]): Promise<Map<string, DeliveryRow>> {
    const { rows } = await db.query<DeliveryRow>(
      `SELECT id, state, attempts, provider_message_id, last_error FROM delivery WHERE id = ANY($1::uuid[])`,
      [commands.map((c) => c.deliveryId)],
    );
    return new Map(rows.map((row) => [row.id, row]));
  }

  /** Waits until every delivery is finished; returns the rows. */
  async function finished(commands: DeliveryCommand[], timeoutMs = 60_000) {
    return eventually(
      async () => {
        const rows = await deliveries(commands);
        const done = [...rows.values()].filter((row) =>
          ['DELIVERED', 'EXPIRED', 'FAILED'].includes(row.state),
        );
        return done.length === commands.length ? rows : undefined;
      },
      `${commands.length} SMS deliveries to finish`,
      timeoutMs,
    );
  }

  /** What the simulator holds for each delivery: TurboSMS by sequence_id, SMSC by its id and the phone. */
  async function messagesAtProviders(commands: DeliveryCommand[]): Promise<Map<string, SimulatorMessage[]>> {
    const all = (await (await fetch(`${SIMULATOR}/__control/messages`)).json()) as SimulatorMessage[];
    return new Map(
      commands.map((c) => [
        c.deliveryId,
        all.filter((m) =>
          m.provider === 'turbosms'
            ? m.sequenceId === c.deliveryId
            : m.id === String(smscMessageId(c.deliveryId)) && m.phone === c.recipient.phone,
        ),
      ]),
    );
  }

  async function terminalStatuses(commands: DeliveryCommand[]) {
    const { rows } = await db.query<{ event_id: string; status: string; reason: string | null }>(
      `SELECT event_id, status, reason FROM notification_status_log WHERE event_id = ANY($1::uuid[]) AND is_terminal`,
      [commands.map((c) => c.eventId)],
    );
    return rows;
  }

  async function attempts(deliveryId: string) {
    const { rows } = await db.query<{ provider: string; outcome: string; reason: string | null }>(
      `SELECT provider, outcome, reason FROM sms_provider_attempt WHERE delivery_id = $1 ORDER BY at`,
      [deliveryId],
    );
    return rows.map((row) => `${row.provider}:${row.outcome}${row.reason ? `:${row.reason}` : ''}`);
  }

  /** Sum of the series of `name` whose labels include `labels`. */
  async function metric(name: string, labels: Record<string, string>): Promise<number> {
    const text = await (await fetch(`${SENDER}/metrics`)).text();
    return text
      .split('\n')
      .filter(
        (line) =>
          line.startsWith(`${name}{`) &&
          Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`)),
      )
      .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
  }

  async function bothProvidersUp(): Promise<void> {
    await eventually(
      async () =>
        (await metric('esoz_sms_provider_up', { provider: 'turbosms' })) === 1 &&
        (await metric('esoz_sms_provider_up', { provider: 'smsc' })) === 1
          ? true
          : undefined,
      'both SMS providers back in',
      20_000,
    );
  }

  /** Nothing lost, nothing doubled: DELIVERED once per event, one message per delivery at the providers. */
  async function expectDeliveredOnce(commands: DeliveryCommand[]): Promise<Map<string, SimulatorMessage[]>> {
    const rows = await finished(commands);
    expect([...rows.values()].map((row) => row.state)).toEqual(commands.map(() => 'DELIVERED'));
    const terminals = await terminalStatuses(commands);
    expect(terminals.map((row) => row.status).sort()).toEqual(commands.map(() => 'DELIVERED'));
    const held = await messagesAtProviders(commands);
    for (const c of commands)
      expect({ delivery: c.deliveryId, messages: held.get(c.deliveryId)!.length }).toEqual({
        delivery: c.deliveryId,
        messages: 1,
      });
    // The engine stored the namespaced id of the provider that holds the message.
    for (const c of commands)
      expect(rows.get(c.deliveryId)!.provider_message_id!.split(':')[0]).toBe(
        held.get(c.deliveryId)![0].provider,
      );
    return held;
  }

  // ---- cases ----------------------------------------------------------------------------------------------

  it('routes by weight to both providers, each delivering through its own API and callback', async () => {
    const commands = [
      ...Array.from({ length: 4 }, () => command(deliveryIdStartingAt('turbosms'))),
      ...Array.from({ length: 3 }, () => command(deliveryIdStartingAt('smsc'))),
    ];
    await send(commands);
    const held = await expectDeliveredOnce(commands);
    expect(commands.map((c) => held.get(c.deliveryId)![0].provider)).toEqual([
      'turbosms',
      'turbosms',
      'turbosms',
      'turbosms',
      'smsc',
      'smsc',
      'smsc',
    ]);
    const rows = await deliveries(commands);
    expect(rows.get(commands[4].deliveryId)!.provider_message_id).toBe(`smsc:${commands[4].deliveryId}`);
    expect(rows.get(commands[0].deliveryId)!.provider_message_id).toBe(
      `turbosms:${held.get(commands[0].deliveryId)![0].id}`,
    );
    expect(await attempts(commands[4].deliveryId)).toEqual(['smsc:ACCEPTED']);
  });

  it('sends through SMSC while TurboSMS answers 5xx, takes TurboSMS out and brings it back: nothing lost, nothing doubled', async () => {
    await outage('turbosms', 'ERROR_5XX');
    const down = Array.from({ length: 8 }, () => command(deliveryIdStartingAt('turbosms')));
    await send(down);
    const held = await expectDeliveredOnce(down);
    expect(down.map((c) => held.get(c.deliveryId)![0].provider)).toEqual(down.map(() => 'smsc'));
    const histories: string[][] = [];
    for (const c of down) histories.push(await attempts(c.deliveryId));
    // Tried and refused (503, certainly not sent), or passed over with the reason on record; then SMSC.
    for (const history of histories)
      expect(history).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^turbosms:(NOT_SENT:HTTP_503|SKIPPED:OUT_ERROR_5XX)$/),
          'smsc:ACCEPTED',
        ]),
      );
    expect(histories.flat()).toContain('turbosms:SKIPPED:OUT_ERROR_5XX');
    // Support sees the same history on the delivery.
    const support = await fetch(`http://127.0.0.1:${PORT.resolver}/notifications/${down[0].eventId}`, {
      headers: { authorization: `Bearer ${SUPPORT_TOKEN}` },
    });
    expect(support.status).toBe(200);
    const view = (await support.json()) as {
      deliveries: { providerAttempts: { provider: string; outcome: string }[] }[];
    };
    expect(view.deliveries[0].providerAttempts.map((a) => `${a.provider}:${a.outcome}`)).toEqual(
      histories[0].map((entry) => entry.split(':').slice(0, 2).join(':')),
    );
    expect(
      await metric('esoz_sms_provider_changes_total', {
        provider: 'turbosms',
        change: 'OUT',
        reason: 'ERROR_5XX',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(await metric('esoz_sms_failovers_total', { from: 'turbosms', to: 'smsc' })).toBeGreaterThanOrEqual(
      8,
    );

    // Back: the probe (TurboSMS's balance call) lets it in again, and its share goes to it again.
    await outage('turbosms', null);
    await bothProvidersUp();
    expect(
      await metric('esoz_sms_provider_changes_total', {
        provider: 'turbosms',
        change: 'BACK',
        reason: 'ERROR_5XX',
      }),
    ).toBeGreaterThanOrEqual(1);
    const after = Array.from({ length: 3 }, () => command(deliveryIdStartingAt('turbosms')));
    await send(after);
    const heldAfter = await expectDeliveredOnce(after);
    expect(after.map((c) => heldAfter.get(c.deliveryId)![0].provider)).toEqual(after.map(() => 'turbosms'));
  });

  it('keeps what SMSC may have taken when it stops answering, sends the rest through TurboSMS, never twice', async () => {
    await outage('smsc', 'TIMEOUT');
    const first = Array.from({ length: 2 }, () => command(deliveryIdStartingAt('smsc')));
    await send(first);
    // Time-outs after the request went out: in doubt, so these stay with SMSC; two of them take it out.
    await eventually(
      async () => ((await metric('esoz_sms_provider_up', { provider: 'smsc' })) === 0 ? true : undefined),
      'SMSC taken out after time-outs',
    );
    expect(
      await metric('esoz_sms_provider_changes_total', { provider: 'smsc', change: 'OUT', reason: 'TIMEOUT' }),
    ).toBeGreaterThanOrEqual(1);
    const later = Array.from({ length: 4 }, () => command(deliveryIdStartingAt('smsc')));
    await send(later);
    const heldLater = await expectDeliveredOnce(later);
    expect(later.map((c) => heldLater.get(c.deliveryId)![0].provider)).toEqual(later.map(() => 'turbosms'));

    // The first two never went to TurboSMS while SMSC was silent; they wait for SMSC.
    const rows = await deliveries(first);
    expect([...rows.values()].map((row) => row.state)).toEqual(['PENDING', 'PENDING']);
    for (const c of first) {
      const history = await attempts(c.deliveryId);
      expect(history[0]).toBe('smsc:IN_DOUBT:TIMEOUT');
      expect(history.some((entry) => entry.startsWith('turbosms:'))).toBe(false);
    }

    // SMSC answers again: a status lookup by our id says it has not got them, so it gets them now, once.
    await outage('smsc', null);
    const held = await expectDeliveredOnce(first);
    expect(first.map((c) => held.get(c.deliveryId)![0].provider)).toEqual(['smsc', 'smsc']);
    for (const c of first) expect((await attempts(c.deliveryId)).at(-1)).toBe('smsc:ACCEPTED');
  });

  it('takes a provider out when its reports stop coming, counted from the deliveries in the database', async () => {
    const silent = Array.from({ length: 3 }, () => command(deliveryIdStartingAt('smsc')));
    for (const c of silent)
      await control(`recipients/${encodeURIComponent(c.recipient.phone!)}`, { sms: 'NO_REPORT' });
    await send(silent);
    await eventually(
      async () => ((await metric('esoz_sms_provider_up', { provider: 'smsc' })) === 0 ? true : undefined),
      'SMSC taken out for missing reports',
      20_000,
    );
    expect(
      await metric('esoz_sms_provider_changes_total', {
        provider: 'smsc',
        change: 'OUT',
        reason: 'MISSING_REPORTS',
      }),
    ).toBe(1);
    // Its probe (the balance call) answers, so it is let in again; the silent messages no longer count.
    await bothProvidersUp();
    expect(
      await metric('esoz_sms_provider_changes_total', {
        provider: 'smsc',
        change: 'BACK',
        reason: 'MISSING_REPORTS',
      }),
    ).toBe(1);
    const rows = await deliveries(silent);
    expect([...rows.values()].map((row) => row.state)).toEqual(['SENT', 'SENT', 'SENT']);
  });

  it('retries with backoff until the code expires when both providers are down', async () => {
    await outage('turbosms', 'ERROR_5XX');
    await outage('smsc', 'ERROR_5XX');
    const expiring = command(randomUUID(), 6_000);
    await send([expiring]);
    const rows = await finished([expiring], 30_000);
    const row = rows.get(expiring.deliveryId)!;
    expect(row).toMatchObject({ state: 'EXPIRED', last_error: 'HTTP_503' });
    expect(row.attempts).toBeGreaterThanOrEqual(3);
    expect(await terminalStatuses([expiring])).toEqual([
      { event_id: expiring.eventId, status: 'EXPIRED', reason: 'CODE_EXPIRED' },
    ]);
    expect((await messagesAtProviders([expiring])).get(expiring.deliveryId)).toEqual([]);
    // Every attempt reached a provider (nothing sent, nothing in doubt), both of them over time.
    const history = await attempts(expiring.deliveryId);
    expect(history.every((entry) => /:(NOT_SENT:HTTP_503|SKIPPED:OUT_ERROR_5XX)$/.test(entry))).toBe(true);
    expect(new Set(history.filter((e) => e.includes('NOT_SENT')).map((e) => e.split(':')[0]))).toEqual(
      new Set(['turbosms', 'smsc']),
    );
  });
});
