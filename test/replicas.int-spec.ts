import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { type DeliveryCommand, Topic } from '@app/contracts';
import { CodeCipher, LOCAL_SECRETS } from '@app/platform';
import { signWebhookBody } from '@app/providers';
import { eventually, produce, startGroupsAtEnd, testKafka, uniquePhone } from '@app/testing';
import type { Producer } from 'kafkajs';
import { Client } from 'pg';
import { startProviderSimulator } from '../apps/provider-simulator/src/main';
import { startViberSender } from '../apps/viber-sender/src/main';
import { RoundRobinProxy } from '../tools/lib/round-robin-proxy';

jest.setTimeout(180_000);

const PREFIX = `esoz-notify-test.replicas-${process.pid}`;
const GROUP = `${PREFIX}.viber-sender`;
const SECRET = 'local-webhook-secret';
const REPLICAS = 3;
/** Reported by the simulator through the proxy (round-robin over the replicas)... */
const THROUGH_PROXY = 36;
/** ...and, with the simulator silent for them, reported by the test straight to each replica in turn. */
const BY_HAND = 12;

interface Replica {
  name: string;
  url: string;
  close(): Promise<void>;
}

const cipher = new CodeCipher(LOCAL_SECRETS.CODE_ENCRYPTION_KEY);

function command(phone: string): DeliveryCommand {
  const notificationId = randomUUID();
  return {
    deliveryId: randomUUID(),
    notificationId,
    eventId: randomUUID(),
    type: 'MEDICATION_REQUEST_CREATED',
    channel: 'VIBER',
    remainingPlan: ['SMS'],
    step: 1,
    recipient: {
      personId: randomUUID(),
      role: 'SUBJECT',
      phone,
      name: { firstName: 'Олена', lastName: 'Коваленко' },
    },
    content: {
      number: '0000-1234-5678-9012',
      sealedCode: cipher.seal('4821'),
      subjectName: { firstName: 'Олена', lastName: 'Коваленко' },
    },
    occurredAt: new Date().toISOString(),
  };
}

async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, init);
  if (!response.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: ${response.status}`);
  return (await response.json()) as T;
}

async function readiness(replica: Replica) {
  const response = await fetch(`${replica.url}/health/ready`);
  const body = (await response.json()) as {
    details: { consumerGroup: { joined: boolean; assigned: Record<string, number> } };
  };
  return { ...body.details.consumerGroup, status: response.status };
}

async function consumed(replica: Replica): Promise<number> {
  const text = await (await fetch(`${replica.url}/metrics`)).text();
  const line = text.split('\n').find((entry) => entry.startsWith('esoz_messages_consumed_total{'));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

/**
 * Three replicas of viber-sender in one consumer group, behind a round-robin proxy (what the Kubernetes
 * Service, or `REPLICAS=viber-sender=3 npm start`, puts in front of them): the partitions are shared, a
 * delivery report is applied by whichever replica receives it (the state is in Postgres), and no message
 * reaches the provider twice.
 */
describe('replicas of a sender', () => {
  const proxy = new RoundRobinProxy([]);
  const replicas: Replica[] = [];
  let simulator: { url: string; close(): Promise<void> } | undefined;
  let producer: Producer;
  let db: Client;

  beforeAll(async () => {
    await startGroupsAtEnd({ [GROUP]: [Topic.DeliveryViber] });
    const proxyUrl = `http://127.0.0.1:${await proxy.listen(0)}`;
    simulator = await startProviderSimulator({
      ...process.env,
      LOG_LEVEL: 'warn',
      PORT: '0',
      VIBER_CALLBACK_URL: `${proxyUrl}/webhooks/turbosms`,
      SMS_CALLBACK_URL: `${proxyUrl}/webhooks/turbosms`,
      WEBHOOK_SECRET: SECRET,
      REPORT_DELAY_MS: '50',
    });
    for (let index = 1; index <= REPLICAS; index++) {
      const running = await startViberSender({
        ...process.env,
        LOG_LEVEL: 'warn',
        PORT: '0',
        INSTANCE_ID: `viber-sender-${index}`,
        KAFKA_GROUP_PREFIX: PREFIX,
        PROVIDER_BASE_URL: simulator.url,
        WEBHOOK_SECRET: SECRET,
      });
      replicas.push({
        name: `viber-sender-${index}`,
        url: running.url.replace('[::1]', '127.0.0.1'),
        close: running.close,
      });
    }
    proxy.setUpstreams(replicas.map((replica) => Number(new URL(replica.url).port)));
    producer = testKafka().producer();
    await producer.connect();
    db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
  }, 150_000);

  afterAll(async () => {
    await simulator?.close();
    for (const replica of replicas.reverse()) await replica.close();
    await proxy.close();
    await producer?.disconnect();
    await db?.end();
  });

  it('share the partitions, apply reports at any replica, and send nothing twice', async () => {
    // Every replica is in the group with its share of the 6 partitions once the last join has settled.
    let last: unknown;
    const shares = await eventually(
      async () => {
        const states = await Promise.all(replicas.map(readiness));
        last = states;
        const counts = states.map((state) => state.assigned[Topic.DeliveryViber] ?? 0);
        const settled = states.every((state) => state.status === 200 && state.joined);
        return settled && counts.reduce((a, b) => a + b, 0) === 6 && counts.every((n) => n >= 1)
          ? counts
          : undefined;
      },
      'three replicas sharing the six partitions',
      60_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}: ${JSON.stringify(last)}`);
    });
    expect(shares).toEqual([2, 2, 2]);

    const silent = Array.from({ length: BY_HAND }, () => uniquePhone());
    for (const phone of silent)
      await fetch(`${simulator!.url}/__control/recipients/${encodeURIComponent(phone)}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ viber: 'NO_REPORT' }),
      });
    const commands = [
      ...Array.from({ length: THROUGH_PROXY }, () => command(uniquePhone())),
      ...silent.map((phone) => command(phone)),
    ];
    await produce(
      producer,
      Topic.DeliveryViber,
      commands.map((value) => ({ key: value.notificationId, value })),
    );
    const ids = commands.map((value) => value.deliveryId);
    const states = async () =>
      (
        await db.query<{ id: string; state: string; provider_message_id: string | null }>(
          `SELECT id, state, provider_message_id FROM delivery WHERE id = ANY($1::uuid[])`,
          [ids],
        )
      ).rows;

    // The silent ones reach SENT; their reports go by hand, each to the next replica in turn.
    const sent = await eventually(async () => {
      const rows = (await states()).filter((row) =>
        silent.includes(commands.find((c) => c.deliveryId === row.id)!.recipient.phone!),
      );
      return rows.length === BY_HAND && rows.every((row) => row.state === 'SENT') ? rows : undefined;
    }, 'the silent deliveries to be SENT').catch(async (error: Error) => {
      throw new Error(`${error.message}: ${JSON.stringify((await states()).map((row) => row.state))}`);
    });
    const byHand = new Map<string, number>();
    for (const [index, row] of sent.entries()) {
      const replica = replicas[index % REPLICAS];
      const body = JSON.stringify({
        message_id: row.provider_message_id,
        sequence_id: row.id,
        status: 'Delivered',
        type: 'viber',
        sent_at: new Date().toISOString(),
        updated_at: new Date().toISOString(),
      });
      const response = await fetch(`${replica.url}/webhooks/turbosms`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-signature': signWebhookBody(body, SECRET) },
        body,
      });
      expect(response.status).toBe(204);
      byHand.set(replica.name, (byHand.get(replica.name) ?? 0) + 1);
    }
    expect([...byHand.values()]).toEqual([4, 4, 4]);

    // Every delivery ends DELIVERED: reports applied wherever they arrived.
    await eventually(
      async () => {
        const rows = await states();
        return rows.length === commands.length && rows.every((row) => row.state === 'DELIVERED')
          ? true
          : undefined;
      },
      'every delivery DELIVERED',
      60_000,
    );

    // The simulator's webhooks went round-robin over the three replicas.
    const forwarded = [...proxy.forwarded.values()];
    expect(forwarded).toHaveLength(REPLICAS);
    expect(forwarded.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(THROUGH_PROXY);
    for (const count of forwarded) expect(count).toBeGreaterThanOrEqual(THROUGH_PROXY / REPLICAS - 2);

    // Each replica consumed its partitions' share of the commands.
    const perReplica = await Promise.all(replicas.map(consumed));
    expect(perReplica.reduce((a, b) => a + b, 0)).toBe(commands.length);
    for (const count of perReplica) expect(count).toBeGreaterThan(0);

    // Nothing reached the provider twice, and each event has exactly one DELIVERED status.
    const accepted = await json<{ sequenceId: string }[]>(`${simulator!.url}/__control/messages`);
    const ours = accepted.filter((message) => ids.includes(message.sequenceId));
    expect(ours).toHaveLength(commands.length);
    expect(new Set(ours.map((message) => message.sequenceId)).size).toBe(commands.length);
    const statuses = await db.query<{ event_id: string; n: string }>(
      `SELECT event_id, count(*) AS n FROM notification_status_log
       WHERE event_id = ANY($1::uuid[]) AND status = 'DELIVERED' GROUP BY event_id`,
      [commands.map((value) => value.eventId)],
    );
    expect(statuses.rows).toHaveLength(commands.length);
    expect(statuses.rows.every((row) => row.n === '1')).toBe(true);
  });
});
