import type { InboundMessage } from '@app/kafka';
import type { PersonSnapshot } from '@app/contracts';
import type { EntityManager } from 'typeorm';
import type { PersonRecord } from './resolution';

/** The resolver's copy of `esoz.person.v1` in Postgres. Replaying the topic rebuilds the same rows. */
export class PersonReadModel {
  /**
   * Applies snapshots in offset order: a tombstone deletes, an older `updatedAt` than the stored one is
   * ignored. Returns the ids whose snapshot changed (waiting notifications for them can now resolve).
   */
  static async apply(
    manager: EntityManager,
    messages: InboundMessage<PersonSnapshot | null>[],
  ): Promise<string[]> {
    const changed = new Set<string>();
    for (const message of messages) {
      if (message.value === null) {
        if (message.key) await manager.query(`DELETE FROM person WHERE id::text = $1`, [message.key]);
        continue;
      }
      const snapshot = message.value;
      const rows: unknown[] = await manager.query(
        `INSERT INTO person (id, snapshot, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET snapshot = EXCLUDED.snapshot, updated_at = EXCLUDED.updated_at, received_at = now()
         WHERE person.updated_at <= EXCLUDED.updated_at
         RETURNING id`,
        [snapshot.id, JSON.stringify(snapshot), snapshot.updatedAt],
      );
      if (rows.length > 0) changed.add(snapshot.id);
    }
    return [...changed];
  }

  /** Loads the subject and every confidant their THIRD_PERSON methods point to, in one query. */
  static async loadWithConfidants(
    manager: EntityManager,
    subjectIds: string[],
  ): Promise<Map<string, PersonRecord>> {
    const rows: { snapshot: PersonSnapshot }[] = await manager.query(
      `WITH subjects AS (SELECT snapshot FROM person WHERE id = ANY($1::uuid[]))
       SELECT snapshot FROM subjects
       UNION ALL
       SELECT p.snapshot FROM person p
       WHERE p.id IN (SELECT (m->>'value')::uuid FROM subjects, jsonb_array_elements(snapshot->'authenticationMethods') m
                      WHERE m->>'type' = 'THIRD_PERSON' AND m->>'value' IS NOT NULL)
         AND NOT (p.id = ANY($1::uuid[]))`,
      [subjectIds],
    );
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
