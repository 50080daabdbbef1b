import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SearchKind, type SearchKeyRow } from './search-keys';

export interface SearchCriteria {
  kind: SearchKind;
  /** PHONE: the keyed hash; PERSON: the person id; NUMBER: the number as typed (normalised in SQL). */
  key: string;
  from?: Date;
  to?: Date;
  limit: number;
}

export interface SearchRow {
  event_id: string;
  type: string;
  occurred_at: string | null;
  received_at: Date;
  status: string | null;
  channel: string | null;
  reason: string | null;
  recipient: { personId: string; role: 'SUBJECT' | 'REPRESENTATIVE'; maskedPhone?: string } | null;
}

/**
 * notification_search: the support search's keys, and the search itself. The key lookup is a backward range
 * scan of the primary key (kind, key, received_at, event_id) that stops at the limit; each hit then costs one
 * primary-key lookup in notification and one short index scan of its status rows.
 */
@Injectable()
export class NotificationSearchRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * The keys as part of the decision's own write (writeChange's `also`): written only for the notifications
   * that write took. received_at is the notification's created_at, as the trigger writes it; a row inserted
   * by the same statement is not visible to it yet, and its created_at is the statement's now(). Looked up
   * per key by primary key: a join let the planner scan every notification while it thought the table small.
   */
  keysStatement(keys: (SearchKeyRow & { eventId: string })[]): { sql: string; params: unknown[] } {
    return {
      sql: `INSERT INTO notification_search (kind, key, received_at, event_id, notification_id)
            SELECT k.kind, k.key,
                   coalesce((SELECT n.created_at FROM notification n WHERE n.id = k.notification_id), now()),
                   k.event_id, k.notification_id
            FROM unnest({1}::text[], {2}::text[], {3}::uuid[], {4}::uuid[]) AS k(kind, key, notification_id, event_id)
            WHERE k.notification_id::text IN (SELECT key FROM changed)
            ON CONFLICT DO NOTHING`,
      params: [
        keys.map((k) => k.kind),
        keys.map((k) => k.key),
        keys.map((k) => k.notificationId),
        keys.map((k) => k.eventId),
      ],
    };
  }

  find(criteria: SearchCriteria): Promise<SearchRow[]> {
    const [sql, params] = searchQuery(criteria);
    return this.dataSource.query(sql, params);
  }
}

/**
 * Exported for the query-plan test. The keys are cut to the limit first, on their own: that is a backward
 * scan of the primary key whatever the size of the other tables, and the joins then cost `limit` lookups.
 */
export function searchQuery(criteria: SearchCriteria): [string, unknown[]] {
  const key = criteria.kind === SearchKind.NUMBER ? 'support_number_key($2)' : '$2';
  return [
    `WITH hits AS (
       SELECT s.event_id, s.notification_id, s.received_at FROM notification_search s
       WHERE s.kind = $1 AND s.key = ${key}
         AND s.received_at >= COALESCE($3::timestamptz, '-infinity') AND s.received_at < COALESCE($4::timestamptz, 'infinity')
       ORDER BY s.received_at DESC, s.event_id DESC
       LIMIT $5)
     SELECT h.event_id, n.type, n.request->>'occurredAt' AS occurred_at, h.received_at,
            t.status, t.channel, t.reason, n.decision->'recipient' AS recipient
     FROM hits h
     JOIN notification n ON n.id = h.notification_id
     LEFT JOIN LATERAL (
       SELECT l.status, l.channel, l.reason FROM notification_status_log l
       WHERE l.event_id = h.event_id ORDER BY l.is_terminal DESC, l.id DESC LIMIT 1
     ) t ON true
     ORDER BY h.received_at DESC, h.event_id DESC`,
    [criteria.kind, criteria.key, criteria.from ?? null, criteria.to ?? null, criteria.limit],
  ];
}
