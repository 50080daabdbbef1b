import { type NotificationStatus, ONCE_PER_EVENT_STATUSES, TERMINAL_STATUSES, Topic } from '@app/contracts';

/** A message to publish because a state change committed. */
export interface OutboxEntry {
  topic: string;
  key: string;
  value: object;
  headers?: Record<string, string>;
}

/** An outbox row as stored: committed with the change, published right after, deleted once Kafka has it. */
export interface OutboxRow {
  id: string;
  topic: string;
  key: string | null;
  value: string;
  headers: Record<string, string>;
}

/** `DataSource` and `EntityManager` both answer this: a write runs in a transaction only if the caller has one. */
export interface Queryable {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/**
 * A guarded state change: one data-modifying statement (an INSERT … ON CONFLICT DO NOTHING, or an UPDATE
 * whose WHERE checks the state it was decided on) that returns `key` (text) for every row it changed. Its
 * parameters are `$1…$n`; the consequences' parameters follow.
 */
export interface GuardedChange {
  sql: string;
  params: unknown[];
}

/** What a change causes, each item tied to the key of the row whose change it depends on. */
export interface Consequences {
  statuses: { key: string; status: NotificationStatus }[];
  messages: { key: string; entry: OutboxEntry }[];
  /**
   * One more data-modifying statement of the same write (say, search keys of the rows it inserts). It may
   * read `changed` (the keys the change took); its parameters are written `{1}`, `{2}`, ...
   */
  also?: { sql: string; params: unknown[] };
}

export interface WriteResult {
  /** Keys of the rows the change took; the rest lost a race (a repeat, a concurrent transition). */
  changed: Set<string>;
  /** Statuses recorded and announced (a second terminal status for an event is recorded nowhere). */
  kept: NotificationStatus[];
  /** Committed outbox rows, to publish now. */
  outbox: OutboxRow[];
}

export const noConsequences = (): Consequences => ({ statuses: [], messages: [] });

/** A change that always takes: statuses that follow from no row change of ours (e.g. a refused slip). */
export function unconditional(keys: string[]): GuardedChange {
  return { sql: `SELECT unnest($1::text[]) AS key`, params: [keys] };
}

/**
 * Writes a change, its statuses and its outbox messages in ONE statement (data-modifying CTEs), so a hop
 * costs one round trip and one commit instead of a transaction of several. Only consequences of rows the
 * change took are written. Partial unique indexes on the status log keep one terminal status (and one
 * LATE_DELIVERED) per event: a second one is neither recorded nor announced ("a late report is recorded,
 * not re-announced").
 *
 * Runs in the caller's transaction if `db` is an EntityManager in one; on a DataSource the statement is its
 * own transaction and is durable when this resolves.
 */
export async function writeChange(
  db: Queryable,
  change: GuardedChange,
  consequences: Consequences,
  statusTopic: string = Topic.NotificationStatus,
): Promise<WriteResult> {
  const statuses = oncePerEvent(consequences.statuses);
  const { messages } = consequences;
  // JSON.stringify leaves out undefined fields, as the contract's optional fields want.
  const statusJson = statuses.map(({ status }) => JSON.stringify(status));
  const messageJson = messages.map(({ entry }) => JSON.stringify(entry.value));
  const p = (index: number) => `$${change.params.length + index}`;
  const also = consequences.also;
  const alsoSql = also
    ? `,\n    also AS (${also.sql.replace(/\{(\d+)\}/g, (_m, index: string) => p(17 + Number(index)))})`
    : '';
  const sql = `WITH changed AS (${change.sql}),
    s AS (SELECT * FROM unnest(${p(1)}::text[], ${p(2)}::uuid[], ${p(3)}::uuid[], ${p(4)}::text[], ${p(5)}::text[],
                               ${p(6)}::text[], ${p(7)}::jsonb[], ${p(8)}::bool[], ${p(9)}::timestamptz[], ${p(10)}::text[], ${p(17)}::bool[])
            WITH ORDINALITY AS s(change_key, event_id, notification_id, status, channel, reason, recipient, is_terminal, at, message, once, ord)
          WHERE change_key IN (SELECT key FROM changed)),
    st AS (INSERT INTO notification_status_log (event_id, notification_id, status, channel, reason, recipient, is_terminal, at)
           SELECT event_id, notification_id, status, channel, reason, recipient, is_terminal, at FROM s ORDER BY ord
           ON CONFLICT DO NOTHING
           RETURNING event_id, status),
    m AS (SELECT * FROM unnest(${p(11)}::text[], ${p(12)}::text[], ${p(13)}::text[], ${p(14)}::jsonb[], ${p(15)}::text[])
            WITH ORDINALITY AS m(topic, key, value, headers, change_key, ord)
          WHERE change_key IN (SELECT key FROM changed)),
    x AS (SELECT nextval('outbox_message_id_seq') AS id, y.* FROM (
            SELECT ${p(16)}::text AS topic, s.event_id::text AS key, s.message AS value, '{}'::jsonb AS headers, 0 AS grp, s.ord
            FROM s WHERE NOT s.once OR (s.event_id, s.status) IN (SELECT event_id, status FROM st)
            UNION ALL
            SELECT m.topic, m.key, m.value, m.headers, 1, m.ord FROM m) y),
    ob AS (INSERT INTO outbox_message (id, topic, key, value, headers) SELECT id, topic, key, value, headers FROM x)${alsoSql}
    SELECT (SELECT coalesce(json_agg(key), '[]') FROM changed) AS changed,
           (SELECT coalesce(json_agg(json_build_array(id, grp, ord) ORDER BY id), '[]') FROM x) AS outbox`;
  const rows = (await db.query(sql, [
    ...change.params,
    statuses.map((item) => item.key),
    statuses.map(({ status }) => status.eventId),
    statuses.map(({ status }) => status.notificationId ?? null),
    statuses.map(({ status }) => status.status),
    statuses.map(({ status }) => status.channel ?? null),
    statuses.map(({ status }) => status.reason ?? null),
    statuses.map(({ status }) => (status.recipient ? JSON.stringify(status.recipient) : null)),
    statuses.map(({ status }) => TERMINAL_STATUSES.has(status.status)),
    statuses.map(({ status }) => status.at),
    statusJson,
    messages.map(({ entry }) => entry.topic),
    messages.map(({ entry }) => entry.key),
    messageJson,
    messages.map(({ entry }) => JSON.stringify(entry.headers ?? {})),
    messages.map((item) => item.key),
    statusTopic,
    statuses.map(({ status }) => ONCE_PER_EVENT_STATUSES.has(status.status)),
    ...(also?.params ?? []),
  ])) as { changed: string[]; outbox: [number | string, 0 | 1, number][] }[];
  const [{ changed, outbox }] = rows;
  const kept: NotificationStatus[] = [];
  const published: OutboxRow[] = outbox.map(([id, group, ord]) => {
    if (group === 0) {
      const { status } = statuses[ord - 1];
      kept.push(status);
      return {
        id: String(id),
        topic: statusTopic,
        key: status.eventId,
        value: statusJson[ord - 1],
        headers: {},
      };
    }
    const { entry } = messages[ord - 1];
    return {
      id: String(id),
      topic: entry.topic,
      key: entry.key,
      value: messageJson[ord - 1],
      headers: entry.headers ?? {},
    };
  });
  return { changed: new Set(changed), kept, outbox: published };
}

/**
 * Of two statuses for one event that may each exist once (two terminal ones, two LATE_DELIVERED), only the
 * first in a write can be recorded: keep the first, so what is announced is exactly what was recorded.
 */
function oncePerEvent(statuses: Consequences['statuses']): Consequences['statuses'] {
  const seen = new Set<string>();
  return statuses.filter(({ status }) => {
    if (!ONCE_PER_EVENT_STATUSES.has(status.status)) return true;
    const kind = TERMINAL_STATUSES.has(status.status) ? 'terminal' : status.status;
    const key = `${status.eventId.toLowerCase()}/${kind}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
