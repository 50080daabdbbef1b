import { performance } from 'node:perf_hooks';
import { Client } from 'pg';

/**
 * A day of traffic already in the tables, loaded before the ladder so the bench shows whether cost grows
 * with history. The rows are made by Postgres itself (INSERT ... SELECT over generate_series), cloned from
 * the warm-up's own notifications: every table with an `event_id` column (today notification, delivery,
 * notification_status_log, slip) gets, per history notification, a copy of one warm-up notification's
 * rows. So the history has the real schema, row shapes and sizes whatever the migrations say now, and
 * only terminal notifications are copied (the warm-up has ended), so nothing in it is pending work.
 *
 * Per copy `g`: every uuid column becomes md5(uuid || g) (consistent across tables, so notification ids
 * still join), a text column that alone keeps a unique index unique gets `-h<g>`, timestamps move to a point of the last 24 h
 * (g spread evenly), serial ids take their defaults, everything else (jsonb, states) is copied as is.
 */

export interface ColumnInfo {
  name: string;
  /** information_schema data_type: 'uuid', 'text', 'timestamp with time zone', 'bigint', ... */
  type: string;
  hasSequenceDefault: boolean;
  generated: boolean;
  /** A text column that must differ per copy (see textColumnsToVary). */
  vary: boolean;
}

/**
 * Which text columns to make distinct per copy: for each unique index whose columns would all be copied
 * unchanged (no uuid or timestamp among them, which change anyway), its last text column: in
 * (channel, provider_message_id) that is the provider's id, and the channel stays a channel.
 */
export function textColumnsToVary(
  columns: Pick<ColumnInfo, 'name' | 'type'>[],
  uniqueIndexes: string[][],
): Set<string> {
  const typeOf = new Map(columns.map((column) => [column.name, column.type]));
  const changes = (name: string) => {
    const type = typeOf.get(name) ?? '';
    return type === 'uuid' || type.startsWith('timestamp');
  };
  const isText = (name: string) => ['text', 'character varying'].includes(typeOf.get(name) ?? '');
  const vary = new Set<string>();
  for (const index of uniqueIndexes) {
    if (index.length === 0 || index.some(changes)) continue;
    const last = [...index].reverse().find(isText);
    if (last) vary.add(last);
  }
  return vary;
}

/**
 * The SELECT list that clones one template row for copy `g` (alias `t` for the template row, `g` for the
 * copy number, `$shift` for the timestamp offset expression). Pure, so the cloning rules are tested.
 */
export function cloneColumns(columns: ColumnInfo[], shift: string): { insert: string[]; select: string[] } {
  const insert: string[] = [];
  const select: string[] = [];
  for (const column of columns) {
    if (column.generated || column.hasSequenceDefault) continue;
    const ref = `t.${quote(column.name)}`;
    insert.push(quote(column.name));
    if (column.type === 'uuid') select.push(`md5(${ref}::text || ':' || g)::uuid`);
    else if (column.type.startsWith('timestamp')) select.push(`${ref} + ${shift}`);
    else if (column.vary) select.push(`${ref} || '-h' || g`);
    else select.push(ref);
  }
  return { insert, select };
}

const quote = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;

export interface HistoryResult {
  requested: number;
  /** Notifications already in the database before loading (BENCH_FRESH_DB=0 keeps them). */
  existing: number;
  inserted: Record<string, number>;
  seconds: number;
  analyzeSeconds: number;
  templates: number;
  tableSizesMiB: Record<string, number>;
}

/** Loads `count` history notifications (minus those already there) in chunks, then ANALYZEs. */
export async function loadHistory(
  databaseUrl: string,
  templateEventIds: string[],
  count: number,
  print: (line: string) => void,
  signal: AbortSignal,
  chunk = 50_000,
): Promise<HistoryResult> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    // A bulk load like a restore: nobody waits on these commits.
    await db.query('SET synchronous_commit = off');
    const existing = Number(
      (await db.query<{ n: string }>('SELECT count(*) AS n FROM notification')).rows[0].n,
    );
    const target = Math.max(0, count - existing);
    const tables = await cloneableTables(db);
    const inserted: Record<string, number> = Object.fromEntries(tables.map(({ table }) => [table, 0]));
    const started = performance.now();

    // Templates: the warm-up's notifications that reached a terminal status, numbered 0..k-1.
    const { rows: templates } = await db.query<{ event_id: string }>(
      `SELECT DISTINCT event_id FROM notification_status_log WHERE is_terminal AND event_id = ANY($1::uuid[])`,
      [templateEventIds],
    );
    if (templates.length === 0) throw new Error('history: no terminal warm-up notification to clone');
    const ids = templates.map((row) => row.event_id);
    for (const { table } of tables) {
      await db.query(`DROP TABLE IF EXISTS pg_temp.${quote(`tpl_${table}`)}`);
      await db.query(
        `CREATE TEMP TABLE ${quote(`tpl_${table}`)} AS
           SELECT t.*, array_position($1::uuid[], t.event_id) - 1 AS tpl_index FROM ${quote(table)} t
           WHERE t.event_id = ANY($1::uuid[])`,
        [ids],
      );
    }
    const { rows: origin } = await db.query<{ t0: Date }>(
      `SELECT min(created_at) AS t0 FROM notification WHERE event_id = ANY($1::uuid[])`,
      [ids],
    );
    // Copy g lands at now - 24 h + g/target of the day; the template's own times keep their offsets.
    const shift = `((now() - interval '24 hours' - $1::timestamptz) + make_interval(secs => (g::float8 / $2) * 86400))`;

    if (target > 0)
      print(
        `bench: history: loading ${target.toLocaleString('en')} notifications (cloned from ${ids.length} warm-up notifications) into ${tables.map((t) => t.table).join(', ')} ...`,
      );
    let lastPrint = performance.now();
    for (let from = 0; from < target && !signal.aborted; from += chunk) {
      const to = Math.min(target, from + chunk) - 1;
      await db.query('BEGIN');
      for (const { table, columns } of tables) {
        const { insert, select } = cloneColumns(columns, shift);
        const result = await db.query(
          `INSERT INTO ${quote(table)} (${insert.join(', ')})
             SELECT ${select.join(', ')}
             FROM generate_series($3::int, $4::int) AS g
             JOIN ${quote(`tpl_${table}`)} t ON t.tpl_index = g % $5::int
           ON CONFLICT DO NOTHING`,
          [origin[0].t0, target, from, to, ids.length],
        );
        inserted[table] += result.rowCount ?? 0;
      }
      await db.query('COMMIT');
      if (performance.now() - lastPrint > 10_000) {
        lastPrint = performance.now();
        print(`bench: history: ${(to + 1).toLocaleString('en')} of ${target.toLocaleString('en')}`);
      }
    }
    const seconds = (performance.now() - started) / 1000;
    const analyzeStarted = performance.now();
    for (const { table } of tables) await db.query(`ANALYZE ${quote(table)}`);
    const analyzeSeconds = (performance.now() - analyzeStarted) / 1000;
    const tableSizesMiB: Record<string, number> = {};
    for (const { table } of tables) {
      const { rows } = await db.query<{ bytes: string }>(
        `SELECT pg_total_relation_size($1::regclass) AS bytes`,
        [table],
      );
      tableSizesMiB[table] = Math.round(Number(rows[0].bytes) / 1024 / 1024);
    }
    return {
      requested: count,
      existing,
      inserted,
      seconds: round1(seconds),
      analyzeSeconds: round1(analyzeSeconds),
      templates: ids.length,
      tableSizesMiB,
    };
  } finally {
    await db.end().catch(() => undefined);
  }
}

/** Tables with an event_id column, notification first (others may reference it), with their columns. */
async function cloneableTables(db: Client): Promise<{ table: string; columns: ColumnInfo[] }[]> {
  const { rows: tables } = await db.query<{ table_name: string }>(
    `SELECT c.table_name FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
     WHERE c.table_schema = 'public' AND c.column_name = 'event_id' AND t.table_type = 'BASE TABLE'
     ORDER BY c.table_name <> 'notification', c.table_name`,
  );
  const result = [];
  for (const { table_name: table } of tables) {
    const { rows } = await db.query<{
      column_name: string;
      data_type: string;
      column_default: string | null;
      is_generated: string;
      is_identity: string;
    }>(
      `SELECT column_name, data_type, column_default, is_generated, is_identity
       FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1
       ORDER BY ordinal_position`,
      [table],
    );
    // Unique indexes as their plain columns, in index order (expression parts are left out).
    const { rows: indexes } = await db.query<{ columns: string[] }>(
      `SELECT array_agg(a.attname::text ORDER BY k.ord) AS columns
       FROM pg_index i
       CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
       WHERE i.indrelid = $1::regclass AND i.indisunique
       GROUP BY i.indexrelid`,
      [`public.${quote(table)}`],
    );
    const vary = textColumnsToVary(
      rows.map((row) => ({ name: row.column_name, type: row.data_type })),
      indexes.map((index) => index.columns),
    );
    result.push({
      table,
      columns: rows.map((row) => ({
        name: row.column_name,
        type: row.data_type,
        hasSequenceDefault: (row.column_default ?? '').startsWith('nextval(') || row.is_identity === 'YES',
        generated: row.is_generated === 'ALWAYS',
        vary: vary.has(row.column_name),
      })),
    });
  }
  return result;
}

/** The Postgres settings that decide what churn costs (issue: autovacuum is off on these machines). */
export async function postgresSettings(databaseUrl: string): Promise<Record<string, string>> {
  const names = [
    'server_version',
    'autovacuum',
    'synchronous_commit',
    'fsync',
    'shared_buffers',
    'work_mem',
    'wal_level',
    'max_wal_size',
    'checkpoint_timeout',
    'max_connections',
  ];
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const settings: Record<string, string> = {};
    for (const name of names) {
      const { rows } = await db.query<Record<string, string>>(`SHOW ${name}`);
      settings[name] = Object.values(rows[0])[0];
    }
    return settings;
  } finally {
    await db.end().catch(() => undefined);
  }
}

const round1 = (value: number) => Math.round(value * 10) / 10;
