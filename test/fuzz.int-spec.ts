import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { CONSUMED_TOPICS, dlqTopic, Topic } from '@app/contracts';
import { CodeCipher, LOCAL_SECRETS } from '@app/platform';
import { eventually, SeededRandom, startGroupsAtEnd, testKafka } from '@app/testing';
import type { Admin, Message, Producer } from 'kafkajs';
import { Pool } from 'pg';
import { startDiiaPushStub } from '../apps/diia-push-stub/src/main';
import { startInfoSlipRenderer } from '../apps/info-slip-renderer/src/main';
import { startProviderSimulator } from '../apps/provider-simulator/src/main';
import { startResolver } from '../apps/resolver/src/main';
import { startSmsSender } from '../apps/sms-sender/src/main';
import { startViberSender } from '../apps/viber-sender/src/main';
import { type FuzzMessage, KafkaFuzzer, MARKER_HEADER } from './support/fuzz-kafka';
import { HttpFuzzer, pool, send, verdict } from './support/fuzz-http';
import { groupLag, groupStates, readBetween, sendInOrder, topicEnds } from './support/kafka-inspect';
import { fuzzSeed } from './support/fuzz-seed';

/*
 * Hostile input at every edge (issue 6): a few thousand malformed, oversized, wrongly typed, mis-encoded and
 * hostile messages on the six consumed topics, interleaved on the same partitions with valid traffic, and
 * malformed requests to every HTTP endpoint. Every bad message lands in its DLQ exactly once with a reason,
 * valid traffic still reaches its terminal status, consumers stay in their groups and drain, every bad
 * request gets a 4xx JSON error, and Object.prototype stays clean. The inputs come from a seeded PRNG:
 * the seed is printed, `FUZZ_SEED=<seed>` replays a run.
 */

jest.setTimeout(150_000);

const SEED = fuzzSeed(20_261_123);
const RUN = randomUUID().slice(0, 8);
const PREFIX = 'esoz-notify-test.fuzz';
const PORT = { resolver: 17001, viber: 17002, sms: 17003, diia: 17004, slip: 17005, simulator: 17100 };
const url = (port: number) => `http://127.0.0.1:${port}`;
const SECRETS = {
  supportToken: 'fuzz-support-token',
  misToken: 'fuzz-mis-token-0001',
  webhookSecret: 'fuzz-webhook-secret',
  providerToken: 'fuzz-provider-token',
};
const env = {
  ...process.env,
  LOG_LEVEL: 'error',
  KAFKA_GROUP_PREFIX: PREFIX,
  DIIA_ENABLED: 'true',
  PERSON_WAIT_SECONDS: '20',
  PROVIDER_BASE_URL: url(PORT.simulator),
  SUPPORT_TOKEN: SECRETS.supportToken,
  MIS_TOKEN: SECRETS.misToken,
  WEBHOOK_SECRET: SECRETS.webhookSecret,
  PROVIDER_TOKEN: SECRETS.providerToken,
};

const APP_OF: Record<Topic, string> = {
  [Topic.Person]: 'resolver',
  [Topic.NotificationRequested]: 'resolver',
  [Topic.DeliveryDiia]: 'diia-push-stub',
  [Topic.DeliveryViber]: 'viber-sender',
  [Topic.DeliverySms]: 'sms-sender',
  [Topic.DeliverySlip]: 'info-slip-renderer',
  [Topic.NotificationStatus]: '',
};
const GROUPS: Record<string, Topic[]> = {
  [`${PREFIX}.resolver`]: [Topic.Person, Topic.NotificationRequested],
  [`${PREFIX}.viber-sender`]: [Topic.DeliveryViber],
  [`${PREFIX}.sms-sender`]: [Topic.DeliverySms],
  [`${PREFIX}.diia-push-stub`]: [Topic.DeliveryDiia],
  [`${PREFIX}.info-slip-renderer`]: [Topic.DeliverySlip],
};
const DLQS = CONSUMED_TOPICS.map(dlqTopic);
const FORBIDDEN_KEYS = /"(__proto__|constructor|prototype)"\s*:/;

const prototypes = () => ({
  object: Object.getOwnPropertyNames(Object.prototype).sort(),
  array: Object.getOwnPropertyNames(Array.prototype).sort(),
  function: Object.getOwnPropertyNames(Function.prototype).sort(),
  string: Object.getOwnPropertyNames(String.prototype).sort(),
});

describe(`fuzz: hostile input at every edge (seed ${SEED})`, () => {
  const prng = new SeededRandom(SEED);
  const fuzzer = new KafkaFuzzer(prng, {
    runId: RUN,
    cipher: new CodeCipher(process.env.CODE_ENCRYPTION_KEY ?? LOCAL_SECRETS.CODE_ENCRYPTION_KEY),
  });
  const prototypesBefore = prototypes();
  const sent: FuzzMessage[] = [];
  const statuses: Record<string, string[]> = {};
  const closers: (() => Promise<void>)[] = [];
  let producer: Producer;
  let admin: Admin;
  let db: Pool;
  let dlqStart: Awaited<ReturnType<typeof topicEnds>>;

  const produceAll = async (messages: FuzzMessage[]) => {
    sent.push(...messages);
    await sendInOrder(
      producer,
      messages.map((message): Message & { topic: string } => ({
        topic: message.topic,
        key: message.key,
        value: message.value,
        partition: message.partition,
        headers: message.headers,
      })),
    );
  };

  /**
   * The biggest message the broker takes (found by trying sizes just under its default max.message.bytes):
   * its dead letter, the original plus the reason headers, cannot fit whole.
   */
  const produceAtLimit = async (topic: Topic, partition: number): Promise<FuzzMessage> => {
    for (let size = 1_048_588 - 100; size > 1_040_000; size -= 16) {
      const message = fuzzer.atLimit(topic, partition, size);
      try {
        await producer.send({
          topic,
          messages: [{ key: message.key, value: message.value, partition, headers: message.headers }],
        });
        sent.push(message);
        return message;
      } catch (error) {
        if ((error as { type?: string }).type !== 'MESSAGE_TOO_LARGE') throw error;
      }
    }
    throw new Error('the broker took no message near its size limit');
  };

  /** One wave: garbage on every topic with valid traffic of every kind in between, shuffled together. */
  const wave = (garbagePerTopic: number): FuzzMessage[] => {
    const valid = [
      ...fuzzer.validPair('VIBER'),
      ...fuzzer.validPair('VIBER'),
      ...fuzzer.validPair('DIIA'),
      ...fuzzer.validPair('SLIP'),
      ...[Topic.DeliveryDiia, Topic.DeliveryViber, Topic.DeliverySms, Topic.DeliverySlip].map((topic) =>
        fuzzer.validCommand(topic),
      ),
    ];
    const hostile = [
      ...CONSUMED_TOPICS.flatMap((topic) => [fuzzer.protoKeys(topic), fuzzer.hostileValid(topic)]),
      fuzzer.tombstone(),
    ];
    const garbage = CONSUMED_TOPICS.flatMap((topic) =>
      Array.from({ length: garbagePerTopic }, () => fuzzer.garbage(topic)),
    );
    // Persons stay in front of their events (the resolver would wait for them anyway).
    return [
      ...valid.filter((m) => m.topic === Topic.Person),
      ...prng.shuffle([...valid.filter((m) => m.topic !== Topic.Person), ...hostile, ...garbage]),
    ];
  };

  beforeAll(async () => {
    console.log(`fuzz seed ${SEED} (replay with FUZZ_SEED=${SEED}), run ${RUN}`);
    admin = testKafka().admin();
    await admin.connect();
    producer = testKafka().producer();
    await producer.connect();
    // A pool, not one client: it reconnects if the database restarts under the suite.
    db = new Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
    db.on('error', () => undefined);
    await startGroupsAtEnd(GROUPS);
    dlqStart = await topicEnds(admin, DLQS);

    // A backlog the consumers find when they join, so they fetch it in big batches: among it, thousands of
    // tiny garbage messages on one partition (their dead letters, with the reason headers, weigh several
    // times the originals).
    await produceAll([
      ...fuzzer.flood(Topic.NotificationRequested, 0, 6000),
      ...fuzzer.flood(Topic.DeliverySms, 3, 6000),
      ...wave(80),
    ]);
    await produceAtLimit(Topic.NotificationRequested, 2);

    const simulator = await startProviderSimulator({
      ...env,
      LOG_LEVEL: 'silent',
      PORT: String(PORT.simulator),
      VIBER_CALLBACK_URL: `${url(PORT.viber)}/webhooks/turbosms`,
      SMS_CALLBACK_URL: `${url(PORT.sms)}/webhooks/turbosms`,
      REPORT_DELAY_MS: '100',
    });
    closers.push(() => simulator.close());
    const apps = await Promise.all([
      startResolver({ ...env, PORT: String(PORT.resolver) }),
      startViberSender({ ...env, PORT: String(PORT.viber) }),
      startSmsSender({ ...env, PORT: String(PORT.sms) }),
      startDiiaPushStub({ ...env, PORT: String(PORT.diia) }),
      startInfoSlipRenderer({ ...env, PORT: String(PORT.slip) }),
    ]);
    for (const running of apps) {
      closers.push(() => running.close());
      const name = running.url;
      statuses[name] = [];
      running.microservice?.status.subscribe((status) => statuses[name].push(status));
    }
  });

  afterAll(async () => {
    await producer?.disconnect();
    await admin?.disconnect();
    await db?.end();
    for (const close of closers.reverse()) await close().catch(() => undefined);
  });

  const terminals = async (eventIds: string[]) => {
    const { rows } = await db.query<{ event_id: string; status: string; channel: string | null }>(
      `SELECT event_id, status, channel FROM notification_status_log WHERE is_terminal AND event_id = ANY($1::uuid[])`,
      [eventIds],
    );
    return new Map(rows.map((row) => [row.event_id, row]));
  };

  it('dead-letters every malformed message exactly once with a reason, while valid traffic on the same partitions reaches its terminal status', async () => {
    // Live waves while the consumers are busy with the backlog and with each other's output.
    for (let i = 0; i < 5; i++) {
      await produceAll(wave(60));
      await sleep(150);
    }
    const counts = sent.reduce<Record<string, number>>(
      (acc, m) => ({ ...acc, [m.outcome.kind]: (acc[m.outcome.kind] ?? 0) + 1 }),
      {},
    );
    console.log(
      `fuzz: ${sent.length} messages on ${CONSUMED_TOPICS.length} topics: ${JSON.stringify(counts)}`,
    );

    // Every valid event and command ends where it should.
    const expected = sent.flatMap((m) => (m.outcome.kind === 'TERMINAL' ? [m] : []));
    const missing = await eventually(
      async () => {
        const done = await terminals(expected.map((m) => (m.outcome as { eventId: string }).eventId));
        return done.size === expected.length ? done : undefined;
      },
      'every valid event and command to reach its terminal status',
      60_000,
    ).catch(async (error: Error) => {
      const done = await terminals(expected.map((m) => (m.outcome as { eventId: string }).eventId));
      const stuck = expected.filter((m) => !done.has((m.outcome as { eventId: string }).eventId));
      throw new Error(
        `${error.message}: ${stuck.length} of ${expected.length} stuck, e.g. ${stuck
          .slice(0, 5)
          .map((m) => `${m.topic} ${m.kind}`)
          .join('; ')}`,
      );
    });
    const wrong = expected.flatMap((m) => {
      const outcome = m.outcome as { eventId: string; statuses: string[]; channel?: string };
      const row = missing.get(outcome.eventId)!;
      const ok =
        outcome.statuses.includes(row.status) && (!outcome.channel || row.channel === outcome.channel);
      return ok
        ? []
        : [
            `${m.topic} ${m.kind}: ${row.status}:${row.channel} (expected ${outcome.statuses}:${outcome.channel ?? ''})`,
          ];
    });
    expect(wrong).toEqual([]);

    // Every consumer drains its topics: nothing is stuck behind a poison message.
    await eventually(
      async () => {
        const lag = await groupLag(admin, GROUPS);
        return Object.values(lag).every((behind) => behind === 0) ? lag : undefined;
      },
      'consumer lag to drain',
      60_000,
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}: ${JSON.stringify(await groupLag(admin, GROUPS))}`);
    });

    // Dead letters: exactly one per malformed message, from the right group, with a reason and the original bytes.
    const dead = await readBetween(testKafka(), dlqStart, await topicEnds(admin, DLQS));
    const byMarker = new Map<string, typeof dead>();
    for (const message of dead) {
      const marker = message.headers[MARKER_HEADER];
      if (!marker?.startsWith(`${RUN}:`)) continue;
      const original = message.headers['x-original-topic'] as Topic;
      if (message.headers['x-consumer-group'] !== `${PREFIX}.${APP_OF[original]}`) continue; // another system's copy
      byMarker.set(marker, [...(byMarker.get(marker) ?? []), message]);
    }
    const problems: string[] = [];
    const reasons: Record<string, number> = {};
    for (const m of sent) {
      const letters = byMarker.get(m.marker) ?? [];
      const what = `${m.topic} ${m.kind} (${m.marker})`;
      if (m.outcome.kind === 'DLQ') {
        if (letters.length !== 1) {
          problems.push(`${what}: ${letters.length} dead letters, expected 1`);
          continue;
        }
        const [letter] = letters;
        const reason = letter.headers['x-dlq-reason'] ?? '';
        reasons[reason.split(':')[0]] = (reasons[reason.split(':')[0]] ?? 0) + 1;
        if (!/^[A-Z][A-Z0-9_]+(: .+)?$/.test(reason))
          problems.push(`${what}: reason ${JSON.stringify(reason)}`);
        if (letter.headers['x-original-topic'] !== m.topic)
          problems.push(`${what}: original topic ${letter.headers['x-original-topic']}`);
        if (m.truncated) {
          const size = String(m.value!.length);
          if (letter.headers['x-dlq-truncated'] !== size)
            problems.push(`${what}: x-dlq-truncated ${letter.headers['x-dlq-truncated']}`);
          if (!sameBytes(letter.value, m.value!.subarray(0, 64 * 1024)))
            problems.push(`${what}: not the first 64 KiB`);
        } else if (!sameBytes(letter.value, m.value)) problems.push(`${what}: value not kept byte for byte`);
        if (!sameBytes(letter.key, m.key)) problems.push(`${what}: key not kept byte for byte`);
      } else if (m.outcome.kind === 'EITHER') {
        if (letters.length > 1) problems.push(`${what}: ${letters.length} dead letters`);
      } else if (letters.length > 0) {
        problems.push(`${what}: valid, but dead-lettered (${letters[0].headers['x-dlq-reason']})`);
      }
    }
    console.log(`fuzz: dead-letter reasons ${JSON.stringify(reasons)}`);
    expect(problems.slice(0, 30)).toEqual([]);

    // Hostile but contract-valid messages were either dead-lettered or handled like any other.
    const either = sent.filter((m) => m.outcome.kind === 'EITHER' && !byMarker.has(m.marker));
    const eitherEvents = either.flatMap((m) =>
      (m.outcome as { eventId?: string }).eventId ? [(m.outcome as { eventId: string }).eventId] : [],
    );
    await eventually(
      async () => ((await terminals(eitherEvents)).size === eitherEvents.length ? true : undefined),
      'hostile-but-valid events to end (terminal status) when they were not dead-lettered',
      60_000,
    );
    const persons = sent.flatMap((m) =>
      m.outcome.kind === 'PERSON' ||
      (m.outcome.kind === 'EITHER' && m.outcome.personId && !byMarker.has(m.marker))
        ? [{ id: (m.outcome as { personId: string }).personId, clean: m.clean }]
        : [],
    );
    const { rows: stored } = await db.query<{ id: string; snapshot: string }>(
      `SELECT id, snapshot::text AS snapshot FROM person WHERE id = ANY($1::uuid[])`,
      [persons.map((p) => p.id)],
    );
    expect(stored.length).toBe(persons.length);

    // What carried prototype-pollution keys was stored without them.
    const protoEvents = sent
      .filter((m) => m.clean && m.outcome.kind === 'TERMINAL')
      .map((m) => (m.outcome as { eventId: string }).eventId);
    const { rows: copies } = await db.query<{ what: string; text: string }>(
      `SELECT 'person ' || id AS what, snapshot::text AS text FROM person WHERE id = ANY($1::uuid[])
       UNION ALL SELECT 'notification ' || event_id, request::text FROM notification WHERE event_id = ANY($2::uuid[])
       UNION ALL SELECT 'delivery ' || event_id, command::text FROM delivery WHERE event_id = ANY($2::uuid[])
       UNION ALL SELECT 'slip ' || event_id, command::text FROM slip WHERE event_id = ANY($2::uuid[])`,
      [persons.filter((p) => p.clean).map((p) => p.id), protoEvents],
    );
    expect(copies.length).toBeGreaterThanOrEqual(protoEvents.length);
    expect(copies.filter((copy) => FORBIDDEN_KEYS.test(copy.text)).map((copy) => copy.what)).toEqual([]);
  });

  it('keeps every consumer alive in its group: no crash, no rebalance storm, nothing left to consume', async () => {
    const states = await groupStates(admin, Object.keys(GROUPS));
    expect(states).toEqual(Object.fromEntries(Object.keys(GROUPS).map((group) => [group, 'Stable/1'])));
    for (const [app, seen] of Object.entries(statuses)) {
      expect({ app, crashed: seen.filter((status) => status === 'crashed') }).toEqual({ app, crashed: [] });
    }
    expect(Object.values(await groupLag(admin, GROUPS))).toEqual(Object.keys(GROUPS).map(() => 0));
  });

  it('answers every malformed HTTP request with a 4xx JSON error, never a 5xx or a hang, and stays healthy', async () => {
    const targets = {
      resolver: url(PORT.resolver),
      viber: url(PORT.viber),
      sms: url(PORT.sms),
      diia: url(PORT.diia),
      slip: url(PORT.slip),
      simulator: url(PORT.simulator),
    };
    const requests = new HttpFuzzer(prng, targets, SECRETS).requests(120);
    const answers = await pool(requests, 12, (request) =>
      send(targets[request.target as keyof typeof targets], request),
    );
    const bad = requests.flatMap((request, i) => {
      const why = verdict(request, answers[i]);
      return why
        ? [
            `${request.target} ${request.method} ${request.path.slice(0, 80)} [${request.kind}]: ${why} ${answers[i].body.slice(0, 160)}`,
          ]
        : [];
    });
    const byStatus = answers.reduce<Record<number, number>>(
      (acc, a) => ({ ...acc, [a.status]: (acc[a.status] ?? 0) + 1 }),
      {},
    );
    console.log(
      `fuzz: ${requests.length} HTTP requests, answers by status ${JSON.stringify(byStatus)}, slowest ${Math.max(...answers.map((a) => a.ms))} ms`,
    );
    expect(bad.slice(0, 30)).toEqual([]);

    for (const [name, base] of Object.entries(targets)) {
      const health = await fetch(`${base}/health`, { signal: AbortSignal.timeout(5000) });
      expect({ name, status: health.status }).toEqual({ name, status: 200 });
    }
  });

  it('still delivers afterwards', async () => {
    const after = [
      ...fuzzer.validPair('VIBER'),
      ...fuzzer.validPair('SLIP'),
      fuzzer.validCommand(Topic.DeliverySms),
    ];
    await produceAll(after);
    const ids = after.flatMap((m) => (m.outcome.kind === 'TERMINAL' ? [m.outcome.eventId] : []));
    await eventually(
      async () => ((await terminals(ids)).size === ids.length ? true : undefined),
      'the last valid events',
      30_000,
    );
  });

  it('leaves the built-in prototypes unpolluted', () => {
    expect(prototypes()).toEqual(prototypesBefore);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).notificationsDisabled).toBeUndefined();
  });
});

function sameBytes(a: Buffer | null, b: Buffer | string | null): boolean {
  const left = a && a.length > 0 ? a : null;
  const right = b === null ? null : Buffer.from(b);
  if (left === null || right === null || right.length === 0)
    return left === null && (right === null || right.length === 0);
  return left.equals(right);
}
