import type { InboundMessage } from '@app/kafka';
import type { PersonSnapshot } from '@app/contracts';
import type { Queryable } from '@app/delivery';
import type { PersonRecord } from './resolution';

/** The resolver's copy of `esoz.person.v1` in Postgres. Replaying the topic rebuilds the same rows. */
export class PersonReadModel {
  /**
   * Applies a batch of snapshots in one statement. Per person the last message in offset order decides: a
   * tombstone deletes; otherwise the newest snapshot since the last tombstone is upserted, and an older
   * `updatedAt` than the stored one is ignored. Returns the ids whose snapshot changed (waiting
   * notifications for them can now resolve).
   */
  static async apply(db: Queryable, messages: InboundMessage<PersonSnapshot | null>[]): Promise<string[]> {
    const latest = new Map<string, PersonSnapshot | null>();
    for (const message of messages) {
      const id = message.value?.id ?? message.key;
      if (!id) continue;
      const current = latest.get(id);
      const next = message.value;
      if (next === null || !current || Date.parse(next.updatedAt) >= Date.parse(current.updatedAt))
        latest.set(id, next);
    }
    const removed = [...latest].filter(([, snapshot]) => snapshot === null).map(([id]) => id);
    const upserts = [...latest.values()].filter((snapshot): snapshot is PersonSnapshot => snapshot !== null);
    if (removed.length + upserts.length === 0) return [];
    const rows = (await db.query(
      `WITH removed AS (DELETE FROM person WHERE id::text = ANY($1::text[]))
       INSERT INTO person (id, snapshot, updated_at)
       SELECT * FROM unnest($2::uuid[], $3::jsonb[], $4::timestamptz[])
       ON CONFLICT (id) DO UPDATE SET snapshot = EXCLUDED.snapshot, updated_at = EXCLUDED.updated_at, received_at = now()
       WHERE person.updated_at <= EXCLUDED.updated_at
       RETURNING id`,
      [
        removed,
        upserts.map((snapshot) => snapshot.id),
        upserts.map((snapshot) => JSON.stringify(snapshot)),
        upserts.map((snapshot) => snapshot.updatedAt),
      ],
    )) as { id: string }[];
    return rows.map((row) => row.id);
  }

  /** Loads the subject and every confidant their THIRD_PERSON methods point to, in one query. */
  static async loadWithConfidants(db: Queryable, subjectIds: string[]): Promise<Map<string, PersonRecord>> {
    const rows = (await db.query(
      `WITH subjects AS (SELECT snapshot FROM person WHERE id = ANY($1::uuid[]))
       SELECT snapshot FROM subjects
       UNION ALL
       SELECT p.snapshot FROM person p
       WHERE p.id IN (SELECT (m->>'value')::uuid FROM subjects, jsonb_array_elements(snapshot->'authenticationMethods') m
                      WHERE m->>'type' = 'THIRD_PERSON' AND m->>'value' IS NOT NULL)
         AND NOT (p.id = ANY($1::uuid[]))`,
      [subjectIds],
    )) as { snapshot: PersonSnapshot }[];
    return new Map(rows.map(({ snapshot }) => [snapshot.id, toPersonRecord(snapshot)]));
  }
}

export function toPersonRecord(snapshot: PersonSnapshot): PersonRecord {
  return {
    id: snapshot.id,
    birthDate: snapshot.birthDate,
    firstName: snapshot.firstName,
    lastName: snapshot.lastName,
    secondName: snapshot.secondName,
    taxId: snapshot.noTaxId ? undefined : snapshot.taxId,
    isPreperson: snapshot.isPreperson ?? false,
    verificationStatus: snapshot.verificationStatus,
    authenticationMethods: snapshot.authenticationMethods,
    confidantPersons: snapshot.confidantPersons,
  };
}
