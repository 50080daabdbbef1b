import { cloneColumns, textColumnsToVary, type ColumnInfo } from './history';

const column = (name: string, type: string, fields: Partial<ColumnInfo> = {}): ColumnInfo => ({
  name,
  type,
  hasSequenceDefault: false,
  generated: false,
  vary: false,
  ...fields,
});

describe('cloning a template row for history copy g', () => {
  const { insert, select } = cloneColumns(
    [
      column('id', 'bigint', { hasSequenceDefault: true }),
      column('event_id', 'uuid'),
      column('notification_id', 'uuid'),
      column('channel', 'text'),
      column('provider_message_id', 'text', { vary: true }),
      column('state', 'text'),
      column('command', 'jsonb'),
      column('created_at', 'timestamp with time zone'),
      column('search', 'tsvector', { generated: true }),
    ],
    'SHIFT',
  );

  it('leaves serial and generated columns to Postgres', () => {
    expect(insert).not.toContain('"id"');
    expect(insert).not.toContain('"search"');
    expect(insert).toHaveLength(select.length);
  });

  it('derives uuids from the template uuid and g (the same in every table, so ids still join)', () => {
    expect(select[insert.indexOf('"event_id"')]).toBe(`md5(t."event_id"::text || ':' || g)::uuid`);
    expect(select[insert.indexOf('"notification_id"')]).toBe(
      `md5(t."notification_id"::text || ':' || g)::uuid`,
    );
  });

  it('makes unique text distinct, moves times, copies the rest', () => {
    expect(select[insert.indexOf('"provider_message_id"')]).toBe(`t."provider_message_id" || '-h' || g`);
    expect(select[insert.indexOf('"state"')]).toBe('t."state"');
    expect(select[insert.indexOf('"channel"')]).toBe('t."channel"');
    expect(select[insert.indexOf('"command"')]).toBe('t."command"');
    expect(select[insert.indexOf('"created_at"')]).toBe('t."created_at" + SHIFT');
  });
});

describe('which text columns a copy must change', () => {
  const columns = [
    { name: 'id', type: 'uuid' },
    { name: 'event_id', type: 'uuid' },
    { name: 'channel', type: 'text' },
    { name: 'provider_message_id', type: 'text' },
    { name: 'attempts', type: 'integer' },
  ];

  it('the last text column of a unique index that nothing else makes distinct', () => {
    expect(textColumnsToVary(columns, [['channel', 'provider_message_id']])).toEqual(
      new Set(['provider_message_id']),
    );
  });

  it('none where a uuid in the index changes anyway', () => {
    expect(textColumnsToVary(columns, [['id'], ['event_id', 'channel']])).toEqual(new Set());
  });

  it('none for an index without text columns', () => {
    expect(textColumnsToVary(columns, [['attempts'], []])).toEqual(new Set());
  });
});
