import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Topic } from '@app/contracts';
import { createDataSource } from '@app/database';
import { AppMetrics } from '@app/platform';
import { DeliveryCollector, KafkaLagCollector, OutboxCollector } from '@app/runtime';
import { startGroupsAtEnd, testKafka } from '@app/testing';
import type { DataSource } from 'typeorm';

jest.setTimeout(60_000);

/** The scrape-time collectors against the real Postgres and broker: the numbers they read, and their bounds. */
describe('scrape-time metrics', () => {
  let dataSource: DataSource;
  // A channel of its own, so rows other suites leave in the shared tables do not count here.
  const channel = `OPS_${process.pid}`;

  beforeAll(async () => {
    dataSource = createDataSource(process.env.DATABASE_URL!, 2, 'ops-metrics-test');
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource.query(`DELETE FROM delivery WHERE channel = $1`, [channel]);
    await dataSource.destroy();
  });

  const value = async (metrics: AppMetrics, name: string, labels: Record<string, string> = {}) => {
    const metric = metrics.registry.getSingleMetric(name)!;
    const { values } = await metric.get();
    return values.find((entry) => Object.entries(labels).every(([key, v]) => entry.labels[key] === v))?.value;
  };

  it('counts pending deliveries and overdue timers of one channel, with the lateness of the worst', async () => {
    const insert = (state: string, attemptAgoS: number | null, deadlineAgoS: number | null) =>
      dataSource.query(
        `INSERT INTO delivery (id, notification_id, event_id, channel, state, command, next_attempt_at, report_deadline_at)
         VALUES ($1, $2, $3, $4, $5, '{}', now() - make_interval(secs => $6), now() - make_interval(secs => $7))`,
        [randomUUID(), randomUUID(), randomUUID(), channel, state, attemptAgoS, deadlineAgoS],
      );
    await insert('PENDING', 1, null); // due a moment ago: normal work, not overdue
    await insert('PENDING', 60, null);
    await insert('PENDING', -30, null); // a retry in the future
    await insert('SENT', null, 42);
    await insert('SENT', null, -100);
    await insert('DELIVERED', 500, 500); // finished: never counted

    const metrics = new AppMetrics('sms-sender');
    const collector = new DeliveryCollector(dataSource, metrics, channel).register();
    await metrics.registry.metrics();
    // An unknown channel name is reported as OTHER (bounded labels).
    const labels = (extra: Record<string, string>) => ({ channel: 'OTHER', ...extra });
    expect(await value(metrics, 'esoz_deliveries_pending', labels({ state: 'PENDING' }))).toBe(3);
    expect(await value(metrics, 'esoz_deliveries_pending', labels({ state: 'SENT' }))).toBe(2);
    expect(await value(metrics, 'esoz_delivery_timers_overdue', labels({ timer: 'attempt' }))).toBe(1);
    expect(await value(metrics, 'esoz_delivery_timers_overdue', labels({ timer: 'report_deadline' }))).toBe(
      1,
    );
    expect(
      await value(metrics, 'esoz_delivery_timer_lateness_seconds', labels({ timer: 'attempt' })),
    ).toBeGreaterThanOrEqual(60);
    expect(
      await value(metrics, 'esoz_delivery_timer_lateness_seconds', labels({ timer: 'report_deadline' })),
    ).toBeGreaterThanOrEqual(42);
    expect(await value(metrics, 'esoz_scrape_collector_errors_total')).toBeUndefined();
    await collector.close();
  });

  it('reports the outbox backlog and the age of its oldest row, and throttles to one query per interval', async () => {
    const [{ id }] = await dataSource.query(
      `INSERT INTO outbox_message (topic, key, value, created_at) VALUES ('ops.metrics.test', 'k', '{}', now() - interval '42 seconds') RETURNING id`,
    );
    try {
      const metrics = new AppMetrics('resolver');
      new OutboxCollector(dataSource, metrics, 60_000).register();
      await metrics.registry.metrics();
      expect(await value(metrics, 'esoz_outbox_backlog_messages')).toBeGreaterThanOrEqual(1);
      expect(await value(metrics, 'esoz_outbox_oldest_message_age_seconds')).toBeGreaterThanOrEqual(42);
      // Within the interval a scrape reuses the last values: the row is gone, the gauge still shows it.
      await dataSource.query(`DELETE FROM outbox_message WHERE id = $1`, [id]);
      await metrics.registry.metrics();
      expect(await value(metrics, 'esoz_outbox_oldest_message_age_seconds')).toBeGreaterThanOrEqual(42);
    } finally {
      await dataSource.query(`DELETE FROM outbox_message WHERE id = $1`, [id]);
    }
  });

  it('counts a failing collector instead of failing the scrape', async () => {
    const metrics = new AppMetrics('resolver');
    const broken = { isInitialized: true, transaction: () => Promise.reject(new Error('down')) };
    new OutboxCollector(broken as unknown as DataSource, metrics).register();
    await expect(metrics.registry.metrics()).resolves.toContain('esoz_outbox_backlog_messages');
    expect(await value(metrics, 'esoz_scrape_collector_errors_total', { collector: 'outbox' })).toBe(1);
  });

  it("reads a group's lag per partition and its members from the broker", async () => {
    const kafka = testKafka();
    const groupId = `esoz-notify-test.ops-metrics-${process.pid}`;
    await startGroupsAtEnd({ [groupId]: [Topic.DeliverySlip] });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: Topic.DeliverySlip,
      messages: [0, 1, 2].map(() => ({ key: 'same-key', value: '{}', partition: 4 })),
    });
    await producer.disconnect();
    const metrics = new AppMetrics('info-slip-renderer');
    const collector = new KafkaLagCollector(kafka, groupId, [Topic.DeliverySlip], metrics).register();
    try {
      await metrics.registry.metrics();
      const lag = (partition: string) =>
        value(metrics, 'esoz_kafka_consumer_lag_messages', {
          group: groupId,
          topic: Topic.DeliverySlip,
          partition,
        });
      expect(await lag('4')).toBe(3);
      expect(await lag('0')).toBe(0);
      expect(await value(metrics, 'esoz_kafka_consumer_group_members', { group: groupId })).toBe(0);
    } finally {
      await collector.close();
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteGroups([groupId]).catch(() => undefined);
      await admin.disconnect();
    }
  });
});
