import { AppMetrics, CodeLabel } from './metrics';

async function series(metrics: AppMetrics, name: string) {
  const metric = metrics.registry.getSingleMetric(name);
  if (!metric) throw new Error(`${name} not registered`);
  // Histogram values carry the series name (_bucket, _sum, _count) besides the labels.
  return (await metric.get()).values as {
    value: number;
    labels: Record<string, string>;
    metricName?: string;
  }[];
}

describe('CodeLabel', () => {
  it('keeps machine codes and turns anything else into OTHER', () => {
    const label = new CodeLabel();
    expect(label.of('NOT_VIBER_USER')).toBe('NOT_VIBER_USER');
    expect(label.of('HTTP_503: upstream said no')).toBe('HTTP_503');
    expect(label.of('+380931234585')).toBe('OTHER');
    expect(label.of('1b4e28ba-2fa1-11d2-883f-0016d3cca427')).toBe('OTHER');
    expect(label.of('free text with spaces')).toBe('OTHER');
    expect(label.of(undefined)).toBe('NONE');
  });

  it('bounds the number of distinct values', () => {
    const label = new CodeLabel(3);
    expect(['A', 'B', 'C', 'D', 'A'].map((code) => label.of(code))).toEqual(['A', 'B', 'C', 'OTHER', 'A']);
  });
});

describe('AppMetrics', () => {
  it('times a terminal status end to end from occurredAt, by type, channel and status', async () => {
    const metrics = new AppMetrics('test');
    const occurredAt = '2026-01-01T10:00:00.000Z';
    metrics.statusRecorded(
      { status: 'DELIVERED', channel: 'SMS', at: '2026-01-01T10:00:02.500Z' },
      { type: 'AUTH_OTP', occurredAt },
    );
    // Not terminal: counted, not timed.
    metrics.statusRecorded({ status: 'SENT', channel: 'SMS' }, { type: 'AUTH_OTP', occurredAt });
    const values = await series(metrics, 'esoz_notification_end_to_end_seconds');
    const sum = values.find((value) => value.metricName === 'esoz_notification_end_to_end_seconds_sum');
    expect(sum).toMatchObject({
      value: 2.5,
      labels: { type: 'AUTH_OTP', channel: 'SMS', status: 'DELIVERED' },
    });
    const count = values.find((value) => value.metricName === 'esoz_notification_end_to_end_seconds_count');
    expect(count?.value).toBe(1);
    const statuses = await series(metrics, 'esoz_statuses_recorded_total');
    expect(statuses.map((value) => [value.labels.status, value.value])).toEqual([
      ['DELIVERED', 1],
      ['SENT', 1],
    ]);
  });

  it('counts fallbacks by channel and a bounded reason, never free text', async () => {
    const metrics = new AppMetrics('test');
    metrics.statusRecorded({ status: 'FALLBACK', channel: 'VIBER', reason: 'NOT_VIBER_USER' });
    metrics.statusRecorded({ status: 'FALLBACK', channel: 'VIBER', reason: 'sent to +380931234585' });
    const values = await series(metrics, 'esoz_fallbacks_total');
    expect(values.map((value) => value.labels)).toEqual([
      { channel: 'VIBER', reason: 'NOT_VIBER_USER' },
      { channel: 'VIBER', reason: 'OTHER' },
    ]);
    expect(await metrics.registry.metrics()).not.toContain('380931234585');
  });

  it('times provider calls with their outcome', async () => {
    const metrics = new AppMetrics('test');
    metrics.providerCall('turbosms', 'VIBER', 'send')('ACCEPTED');
    metrics.providerCall('turbosms', 'VIBER', 'send')('UNAVAILABLE');
    const values = await series(metrics, 'esoz_provider_request_duration_seconds');
    const counts = values.filter(
      (value) => value.metricName === 'esoz_provider_request_duration_seconds_count',
    );
    expect(counts.map((value) => value.labels.outcome).sort()).toEqual(['ACCEPTED', 'UNAVAILABLE']);
    expect(counts[0].labels).toMatchObject({ provider: 'turbosms', channel: 'VIBER', operation: 'send' });
  });

  it('records lag from a kafkajs batch', async () => {
    const metrics = new AppMetrics('test');
    metrics.recordBatchLag({ topic: 'esoz.delivery.sms.v1', partition: 3, offsetLag: () => '42' });
    const values = await series(metrics, 'esoz_kafka_consumer_fetch_lag_messages');
    expect(values).toEqual([{ value: 42, labels: { topic: 'esoz.delivery.sms.v1', partition: '3' } }]);
  });

  it('runs scrape hooks once per scrape and only when scraped', async () => {
    const metrics = new AppMetrics('test');
    let runs = 0;
    metrics.onScrape(async () => {
      runs++;
      metrics.setOutbox({ backlog: 7, oldestAgeSeconds: 1.5 });
    });
    expect(runs).toBe(0);
    const text = await metrics.registry.metrics();
    expect(runs).toBe(1);
    expect(text).toMatch(/^esoz_outbox_backlog_messages\{app="test"\} 7$/m);
    expect(text).toMatch(/^esoz_outbox_oldest_message_age_seconds\{app="test"\} 1.5$/m);
    await metrics.registry.metrics();
    expect(runs).toBe(2);
  });

  it('exports every pipeline series name', () => {
    const names = new AppMetrics('test').metricNames();
    for (const name of [
      'esoz_kafka_consumer_lag_messages',
      'esoz_kafka_consumer_group_members',
      'esoz_outbox_backlog_messages',
      'esoz_outbox_oldest_message_age_seconds',
      'esoz_deliveries_pending',
      'esoz_delivery_timers_overdue',
      'esoz_provider_request_duration_seconds',
      'esoz_notification_end_to_end_seconds',
      'esoz_fallbacks_total',
      'esoz_messages_dead_lettered_total',
    ])
      expect(names).toContain(name);
  });
});
