import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { NotificationSearchRepository } from './notification-search.repository';
import { decisionSearchKeys, type DecidedBatch, PhoneKeyHasher } from './search-keys';

/** Called once per decided batch, in its transaction: the batch's phones and recipients become searchable. */
@Injectable()
export class SupportSearchIndexer {
  constructor(
    private readonly repository: NotificationSearchRepository,
    private readonly hasher: PhoneKeyHasher,
  ) {}

  index(manager: EntityManager, batch: DecidedBatch): Promise<void> {
    return this.repository.addKeys(manager, decisionSearchKeys(batch, this.hasher));
  }
}
