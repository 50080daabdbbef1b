import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import {
  INVALID_EVENT,
  type NotificationStatus,
  NotificationStatusCode,
  NotificationType,
} from '@app/contracts';
import { OutboxPublisher, writeChange } from '@app/delivery';
import type { InvalidInboundMessage } from '@app/kafka';
import { AppMetrics } from '@app/platform';
import { InjectConfig, InjectLogger } from '@app/runtime';
import { isUUID } from 'class-validator';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import type { ResolverConfig } from './resolver.config';

interface Rejection {
  eventId: string;
  type: NotificationType | null;
  subjectPersonId: string | null;
  fields: string[];
}

const TYPES = new Set<string>(Object.values(NotificationType));

/**
 * Contract §11.1: an event that fails validation but whose event id reads as a uuid gets one REJECTED /
 * INVALID_EVENT status with the failing paths, besides its DLQ copy (the batch server has written that
 * already). The event id is taken by a notification row in state REJECTED, in the same transaction as the
 * status, so the database decides "once": the unique event id makes a repeat of the bad event (or a later
 * valid event with that id) a no-op, and an invalid event whose id a valid one already holds is only
 * dead-lettered; the one-terminal-status index is the second guard. Nothing of the event but its id, and
 * its type and subject when those are valid, is kept: the rest is untrusted and may hold the code in clear.
 */
@Injectable()
export class InvalidEventService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: OutboxPublisher,
    private readonly metrics: AppMetrics,
    @InjectConfig() private readonly config: ResolverConfig,
    @InjectLogger() private readonly logger: Logger,
  ) {}

  async reject(messages: InvalidInboundMessage[]): Promise<void> {
    const rejections = dedupe(messages.flatMap(readableRejection)).map((r) => ({ ...r, id: randomUUID() }));
    if (rejections.length === 0) return;
    const at = new Date().toISOString();
    // One statement: the REJECTED notification rows the database did not have, and one status for each.
    const result = await writeChange(
      this.dataSource,
      {
        sql: `INSERT INTO notification (id, event_id, type, subject_person_id, state, request, decision, resolved_at, purge_after)
              SELECT r.id, r.event_id, r.type, r.subject_person_id, 'REJECTED', '{}'::jsonb, r.decision, now(),
                     now() + make_interval(hours => $6)
              FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::uuid[], $5::jsonb[]) WITH ORDINALITY
                AS r(id, event_id, type, subject_person_id, decision, ord)
              ORDER BY ord
              ON CONFLICT (event_id) DO NOTHING RETURNING id::text AS key`,
        params: [
          rejections.map((r) => r.id),
          rejections.map((r) => r.eventId),
          rejections.map((r) => r.type),
          rejections.map((r) => r.subjectPersonId),
          rejections.map((r) =>
            JSON.stringify({ outcome: 'REJECTED', reason: INVALID_EVENT, fields: r.fields }),
          ),
          this.config.RETENTION_HOURS,
        ],
      },
      {
        statuses: rejections.map((r) => ({
          key: r.id,
          status: {
            eventId: r.eventId,
            notificationId: r.id,
            at,
            status: NotificationStatusCode.REJECTED,
            reason: INVALID_EVENT,
            fields: r.fields,
          } satisfies NotificationStatus,
        })),
        messages: [],
      },
    );
    this.publisher.publish(result.outbox);
    for (const status of result.kept) this.metrics.statusRecorded(status);
    if (result.kept.length > 0)
      this.logger.info(
        {
          rejected: result.kept.map((status) => status.eventId),
          alreadyKnown: rejections.length - result.kept.length,
        },
        'invalid events rejected',
      );
  }
}

/** The event id, type and subject of an invalid event, each only when it is itself valid. */
function readableRejection(message: InvalidInboundMessage): Rejection[] {
  const value = message.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  const { eventId, type, subjectPersonId } = value as Record<string, unknown>;
  const failed = new Set(message.fields.map((path) => path.split('.')[0]));
  if (typeof eventId !== 'string' || !isUUID(eventId) || failed.has('eventId')) return [];
  return [
    {
      eventId,
      type:
        typeof type === 'string' && TYPES.has(type) && !failed.has('type')
          ? (type as NotificationType)
          : null,
      subjectPersonId:
        typeof subjectPersonId === 'string' && isUUID(subjectPersonId) && !failed.has('subjectPersonId')
          ? subjectPersonId
          : null,
      fields: [...message.fields],
    },
  ];
}

/** Two bad copies of one event in one batch: the first one's paths are announced. */
function dedupe(rejections: Rejection[]): Rejection[] {
  const seen = new Set<string>();
  return rejections.filter((r) => {
    const key = r.eventId.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
