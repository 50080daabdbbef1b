import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface NotificationRecord {
  id: string;
  event_id: string;
  type: string;
  subject_person_id: string;
  state: string;
  decision: Record<string, unknown> | null;
  number: string | null;
  occurred_at: string | null;
  expires_at: string | null;
  created_at: Date;
  resolved_at: Date | null;
}

export interface StatusRecord {
  status: string;
  channel: string | null;
  reason: string | null;
  recipient: { personId: string; role: 'SUBJECT' | 'REPRESENTATIVE'; maskedPhone?: string } | null;
  is_terminal: boolean;
  at: Date;
}

export interface DeliveryRecord {
  channel: string;
  state: string;
  step: number | null;
  attempts: number;
  lastError: string | null;
  lateReport: string | null;
  createdAt: Date;
  finishedAt: Date | null;
}

export interface SlipRecord {
  rendered_at: Date;
  printed_at: Date | null;
}

export interface OverviewRecords {
  terminal: { status: string; channel: string; count: number }[];
  fallbacks: { channel: string; reason: string; count: number }[];
  finished: number;
  timeToDelivery: { channel: string; count: number; p50: number; p95: number }[];
}

/** What support reads of one notification (request fields without the code, decision, statuses, attempts, slip). */
@Injectable()
export class SupportNotificationRepository {
  constructor(private readonly dataSource: DataSource) {}

  async notification(eventId: string): Promise<NotificationRecord | undefined> {
    const [row] = await this.dataSource.query(
      `SELECT id, event_id, type, subject_person_id, state, decision, created_at, resolved_at,
              request->'payload'->>'number' AS number, request->>'occurredAt' AS occurred_at,
              request->>'expiresAt' AS expires_at
       FROM notification WHERE event_id = $1`,
      [eventId],
    );
    return row;
  }

  timeline(eventId: string): Promise<StatusRecord[]> {
    return this.dataSource.query(
      `SELECT status, channel, reason, recipient, is_terminal, at FROM notification_status_log
       WHERE event_id = $1 ORDER BY at, id`,
      [eventId],
    );
  }

  deliveries(eventId: string): Promise<DeliveryRecord[]> {
    return this.dataSource.query(
      // SMS deliveries carry their history across providers: tried, skipped while out (and why), accepted.
      `SELECT channel, state, (command->>'step')::int AS step, attempts, last_error AS "lastError",
              late_report AS "lateReport", created_at AS "createdAt", finished_at AS "finishedAt",
              (SELECT coalesce(json_agg(json_build_object('provider', a.provider, 'outcome', a.outcome,
                                                          'reason', a.reason, 'at', a.at) ORDER BY a.at), '[]'::json)
               FROM sms_provider_attempt a WHERE a.delivery_id = delivery.id) AS "providerAttempts"
       FROM delivery WHERE event_id = $1 ORDER BY created_at, (command->>'step')::int`,
      [eventId],
    );
  }

  async slip(eventId: string): Promise<SlipRecord | undefined> {
    const [row] = await this.dataSource.query(
      `SELECT rendered_at, printed_at FROM slip WHERE event_id = $1`,
      [eventId],
    );
    return row;
  }

  /** The overview of a time window, from the status log's partial indexes on terminal rows and fallbacks. */
  async overview(since: Date): Promise<OverviewRecords> {
    const [terminal, fallbacks, finished, timeToDelivery] = await Promise.all([
      this.dataSource.query(
        `SELECT status, COALESCE(channel, 'NONE') AS channel, count(*)::int AS count
         FROM notification_status_log WHERE is_terminal AND at >= $1 GROUP BY 1, 2 ORDER BY 1, 2`,
        [since],
      ),
      this.dataSource.query(
        `SELECT COALESCE(channel, 'NONE') AS channel, COALESCE(reason, 'UNKNOWN') AS reason, count(*)::int AS count
         FROM notification_status_log WHERE status = 'FALLBACK' AND at >= $1 GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2`,
        [since],
      ),
      this.dataSource.query(
        `SELECT count(*)::int AS count FROM notification_status_log WHERE is_terminal AND at >= $1`,
        [since],
      ),
      this.dataSource.query(
        `SELECT COALESCE(l.channel, 'ALL') AS channel, count(*)::int AS count,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM l.at - n.created_at))::float8 AS p50,
                percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM l.at - n.created_at))::float8 AS p95
         FROM notification_status_log l JOIN notification n ON n.event_id = l.event_id
         WHERE l.is_terminal AND l.status = 'DELIVERED' AND l.at >= $1
         GROUP BY ROLLUP (l.channel) ORDER BY l.channel NULLS LAST`,
        [since],
      ),
    ]);
    return { terminal, fallbacks, finished: finished[0]?.count ?? 0, timeToDelivery };
  }
}
