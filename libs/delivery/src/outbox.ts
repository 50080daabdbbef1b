import { NotificationStatus, TERMINAL_STATUSES, Topic } from '@app/contracts';
import type { EntityManager } from 'typeorm';

export interface OutboxEntry {
  topic: string;
  key: string;
  value: object;
  headers?: Record<string, string>;
}

/** Writes messages to the outbox inside the caller's transaction, in one statement for the whole batch. */
export async function enqueue(manager: EntityManager, entries: OutboxEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await manager.query(
    `INSERT INTO outbox_message (topic, key, value, headers)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[])`,
    [
      entries.map((entry) => entry.topic),
      entries.map((entry) => entry.key),
      entries.map((entry) => JSON.stringify(entry.value)),
      entries.map((entry) => JSON.stringify(entry.headers ?? {})),
    ],
  );
}

/**
 * Records statuses in the timeline and queues them for `esoz.notification.status.v1`. A second terminal
 * status for an event is refused by the database's partial unique index and silently not announced: this
 * is what makes a late report after a fallback "recorded, not re-announced". Returns the statuses kept.
 */
export async function recordStatuses(
  manager: EntityManager,
  statuses: NotificationStatus[],
): Promise<NotificationStatus[]> {
  if (statuses.length === 0) return [];
  // One statement for the batch. Row order is kept, so of two terminal statuses for one event the first wins.
  const insertedTerminals: { event_id: string; status: string }[] = await manager.query(
    `INSERT INTO notification_status_log (event_id, notification_id, status, channel, reason, recipient, is_terminal, at)
     SELECT event_id, notification_id, status, channel, reason, recipient, is_terminal, at
     FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::bool[], $8::timestamptz[])
       WITH ORDINALITY AS s(event_id, notification_id, status, channel, reason, recipient, is_terminal, at, ord)
     ORDER BY ord
     ON CONFLICT (event_id) WHERE is_terminal DO NOTHING
     RETURNING event_id, status`,
    [
      statuses.map((status) => status.eventId),
      statuses.map((status) => status.notificationId ?? null),
      statuses.map((status) => status.status),
      statuses.map((status) => status.channel ?? null),
      statuses.map((status) => status.reason ?? null),
      statuses.map((status) => (status.recipient ? JSON.stringify(status.recipient) : null)),
      statuses.map((status) => TERMINAL_STATUSES.has(status.status)),
      statuses.map((status) => status.at),
    ],
  );
  // Non-terminal statuses are always inserted; a terminal one is kept if the database took it.
  const taken = new Set(insertedTerminals.map((row) => `${row.event_id.toLowerCase()}/${row.status}`));
  const kept = statuses.filter((status) => {
    if (!TERMINAL_STATUSES.has(status.status)) return true;
    const key = `${status.eventId.toLowerCase()}/${status.status}`;
    return taken.delete(key);
  });
  await enqueue(
    manager,
    kept.map((status) => ({
      topic: Topic.NotificationStatus,
      key: status.eventId,
      value: stripUndefined(status),
    })),
  );
  return kept;
}

function stripUndefined<T extends object>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
