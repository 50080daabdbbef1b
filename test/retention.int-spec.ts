import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { createDataSource } from '@app/database';
import type { DataSource } from 'typeorm';
import { RetentionService } from '../apps/resolver/src/retention.service';
import type { ResolverConfig } from '../apps/resolver/src/resolver.config';

describe('retention of sealed codes (real Postgres)', () => {
  let dataSource: DataSource;
  let retention: RetentionService;

  beforeAll(async () => {
    dataSource = createDataSource(process.env.DATABASE_URL!, 2);
    await dataSource.initialize();
    const config = { RETENTION_HOURS: 24 } as ResolverConfig;
    retention = new RetentionService(dataSource, config, {
      info: () => undefined,
      warn: () => undefined,
    } as never);
  });

  afterAll(() => dataSource?.destroy());

  async function notificationWithCode(terminalHoursAgo: number | null) {
    const eventId = randomUUID();
    const request = { eventId, payload: { number: '0000-K8K5-5MTE-352H', sealedCode: 'v1.a.b.c' } };
    const command = { eventId, step: 1, content: { number: '0000-K8K5-5MTE-352H', sealedCode: 'v1.a.b.c' } };
    await dataSource.query(
      `INSERT INTO notification (id, event_id, type, subject_person_id, state, request) VALUES ($1, $2, 'AUTH_OTP', $3, 'RESOLVED', $4)`,
      [randomUUID(), eventId, randomUUID(), JSON.stringify(request)],
    );
    await dataSource.query(
      `INSERT INTO delivery (id, notification_id, event_id, channel, state, command) VALUES ($1, $2, $3, 'SMS', 'DELIVERED', $4)`,
      [randomUUID(), randomUUID(), eventId, JSON.stringify(command)],
    );
    if (terminalHoursAgo !== null) {
      await dataSource.query(
        `INSERT INTO notification_status_log (event_id, status, is_terminal, at) VALUES ($1, 'DELIVERED', true, now() - make_interval(hours => $2))`,
        [eventId, terminalHoursAgo],
      );
    }
    return eventId;
  }

  async function codesLeft(eventId: string) {
    const [row] = await dataSource.query(
      `SELECT n.request->'payload' ? 'sealedCode' AS in_request, d.command->'content' ? 'sealedCode' AS in_command
       FROM notification n JOIN delivery d USING (event_id) WHERE n.event_id = $1`,
      [eventId],
    );
    return row;
  }

  it('purges codes of notifications terminal for longer than the retention, and only those', async () => {
    const expired = await notificationWithCode(25);
    const recent = await notificationWithCode(1);
    const unfinished = await notificationWithCode(null);

    const purged = await retention.purgeExpiredCodes();

    expect(purged.notifications).toBeGreaterThanOrEqual(1);
    expect(purged.deliveries).toBeGreaterThanOrEqual(1);
    expect(await codesLeft(expired)).toEqual({ in_request: false, in_command: false });
    expect(await codesLeft(recent)).toEqual({ in_request: true, in_command: true });
    expect(await codesLeft(unfinished)).toEqual({ in_request: true, in_command: true });
    // The rest of the record stays for support and audit.
    const [{ number }] = await dataSource.query(
      `SELECT request->'payload'->>'number' AS number FROM notification WHERE event_id = $1`,
      [expired],
    );
    expect(number).toBe('0000-K8K5-5MTE-352H');
  });
});
