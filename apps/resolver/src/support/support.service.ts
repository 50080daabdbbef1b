import { Injectable } from '@nestjs/common';
import type {
  SupportDecision,
  SupportNotificationDetail,
  SupportOverview,
  SupportSearchItem,
} from '@app/contracts';
import { NotificationSearchRepository } from './notification-search.repository';
import { SearchKind, PhoneKeyHasher } from './search-keys';
import type { ParsedSearch } from './search-query';
import { SupportNotificationRepository } from './support-notification.repository';

/** The support API's reads: search by key, one notification in full, the overview of a time window. */
@Injectable()
export class SupportService {
  constructor(
    private readonly search: NotificationSearchRepository,
    private readonly notifications: SupportNotificationRepository,
    private readonly hasher: PhoneKeyHasher,
  ) {}

  async find(query: ParsedSearch): Promise<SupportSearchItem[]> {
    const key = query.kind === SearchKind.PHONE ? this.hasher.keyOf(query.value)! : query.value;
    const rows = await this.search.find({ ...query, key });
    return rows.map((row) => ({
      eventId: row.event_id,
      type: row.type,
      occurredAt: row.occurred_at ?? row.received_at.toISOString(),
      status: row.status,
      ...(row.channel ? { channel: row.channel } : {}),
      ...(row.reason ? { reason: row.reason } : {}),
      recipient: row.recipient
        ? {
            personId: row.recipient.personId,
            role: row.recipient.role,
            ...(row.recipient.maskedPhone ? { maskedPhone: row.recipient.maskedPhone } : {}),
          }
        : null,
    }));
  }

  async detail(eventId: string): Promise<SupportNotificationDetail | undefined> {
    const [notification, timeline] = await Promise.all([
      this.notifications.notification(eventId),
      this.notifications.timeline(eventId),
    ]);
    if (!notification && timeline.length === 0) return undefined;
    const [deliveries, slip] = await Promise.all([
      this.notifications.deliveries(eventId),
      this.notifications.slip(eventId),
    ]);
    const terminal = timeline.find((entry) => entry.is_terminal);
    return {
      eventId,
      notificationId: notification?.id,
      type: notification?.type,
      number: notification?.number ?? undefined,
      subjectPersonId: notification?.subject_person_id,
      state: terminal?.status ?? timeline.at(-1)?.status ?? notification?.state,
      occurredAt: notification?.occurred_at ?? undefined,
      expiresAt: notification?.expires_at ?? undefined,
      receivedAt: notification?.created_at.toISOString(),
      resolvedAt: notification?.resolved_at?.toISOString(),
      decision: (notification?.decision as SupportDecision | null | undefined) ?? null,
      deliveries: deliveries.map((delivery) => ({
        ...delivery,
        createdAt: delivery.createdAt.toISOString(),
        finishedAt: delivery.finishedAt?.toISOString() ?? null,
      })),
      timeline: timeline.map(({ status, channel, reason, recipient, at }) => ({
        status,
        channel,
        reason,
        recipient,
        at: at.toISOString(),
      })),
      slip: slip
        ? { readyAt: slip.rendered_at.toISOString(), printedAt: slip.printed_at?.toISOString() ?? null }
        : null,
    };
  }

  async overview(hours: number, now = new Date()): Promise<SupportOverview> {
    const since = new Date(now.getTime() - hours * 3_600_000);
    const records = await this.notifications.overview(since);
    return {
      since: since.toISOString(),
      until: now.toISOString(),
      terminal: records.terminal,
      fallbacks: records.fallbacks,
      finished: records.finished,
      timeToDelivery: records.timeToDelivery.map(({ channel, count, p50, p95 }) => ({
        channel,
        count,
        p50Seconds: round(p50),
        p95Seconds: round(p95),
      })),
    };
  }
}

const round = (seconds: number) => Math.round(seconds * 10) / 10;
