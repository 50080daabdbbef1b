import { Injectable } from '@nestjs/common';
import { NotificationSearchRepository } from './notification-search.repository';
import { decisionSearchKeys, type DecidedBatch, PhoneKeyHasher } from './search-keys';

/** Once per decided batch, inside its write: the batch's phones and recipients become searchable. */
@Injectable()
export class SupportSearchIndexer {
  constructor(
    private readonly repository: NotificationSearchRepository,
    private readonly hasher: PhoneKeyHasher,
  ) {}

  statement(batch: DecidedBatch): { sql: string; params: unknown[] } | undefined {
    const events = new Map(batch.rows.map((row) => [row.id, row.event_id]));
    const keys = decisionSearchKeys(batch, this.hasher).map((key) => ({
      ...key,
      eventId: events.get(key.notificationId)!,
    }));
    return keys.length === 0 ? undefined : this.repository.keysStatement(keys);
  }
}
