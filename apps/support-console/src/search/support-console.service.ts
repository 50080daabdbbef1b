import { Injectable } from '@nestjs/common';
import type { SupportNotificationDetail, SupportOverview, SupportSearchItem } from '@app/contracts';
import { terminalOf } from '../views/story';
import { AuditAction, AuditRepository } from '../audit/audit.repository';
import { ResolverSupportClient } from '../resolver/resolver-support.client';
import type { SignedIn } from '../staff/auth.service';
import { classifyQuery, describeQuery, type ConsoleQuery } from './classify-query';

export interface SearchOutcome {
  query: ConsoleQuery;
  shown: { kind: string; shown?: string };
  items: SupportSearchItem[];
}

export const OVERVIEW_HOURS = 24;

/**
 * Every lookup a person makes goes to the audit log before they see its answer (who, when, what was asked,
 * which events were shown): when the audit row cannot be written, nothing is shown.
 */
@Injectable()
export class SupportConsoleService {
  constructor(
    private readonly resolver: ResolverSupportClient,
    private readonly audit: AuditRepository,
  ) {}

  async search(staff: SignedIn, input: string, address: string): Promise<SearchOutcome> {
    const query = classifyQuery(input);
    const items = await this.find(query);
    const shown = describeQuery(query);
    await this.audit.append({
      staffId: staff.staffId,
      login: staff.login,
      action: AuditAction.SEARCH,
      query: shown,
      eventIds: items.map((item) => item.eventId),
      address,
    });
    return { query, shown, items };
  }

  async open(
    staff: SignedIn,
    eventId: string,
    address: string,
  ): Promise<SupportNotificationDetail | undefined> {
    const detail = await this.resolver.detail(eventId);
    await this.audit.append({
      staffId: staff.staffId,
      login: staff.login,
      action: AuditAction.OPEN,
      query: { kind: 'EVENT', shown: eventId },
      eventIds: detail ? [eventId] : [],
      address,
    });
    return detail;
  }

  async overview(staff: SignedIn, address: string): Promise<SupportOverview> {
    const overview = await this.resolver.overview(OVERVIEW_HOURS);
    await this.audit.append({
      staffId: staff.staffId,
      login: staff.login,
      action: AuditAction.OVERVIEW,
      query: { kind: 'OVERVIEW', shown: `${OVERVIEW_HOURS}h` },
      address,
    });
    return overview;
  }

  private async find(query: ConsoleQuery): Promise<SupportSearchItem[]> {
    switch (query.kind) {
      case 'PHONE':
        return this.resolver.search({ phone: query.phone });
      case 'NUMBER':
        return this.resolver.search({ number: query.number });
      case 'ID': {
        // An id may be an event's or a person's: both are looked up.
        const [event, byPerson] = await Promise.all([
          this.resolver.detail(query.id),
          this.resolver.search({ personId: query.id }),
        ]);
        const items = byPerson.filter((item) => item.eventId !== query.id);
        return event ? [itemOf(event), ...items] : items;
      }
      default:
        return [];
    }
  }
}

function itemOf(detail: SupportNotificationDetail): SupportSearchItem {
  const last = terminalOf(detail) ?? detail.timeline.at(-1);
  return {
    eventId: detail.eventId,
    type: detail.type ?? 'UNKNOWN',
    occurredAt: detail.occurredAt ?? detail.receivedAt ?? last?.at ?? '',
    status: detail.state ?? null,
    ...(last?.channel ? { channel: last.channel } : {}),
    ...(last?.reason ? { reason: last.reason } : {}),
    recipient: detail.decision?.recipient
      ? {
          personId: detail.decision.recipient.personId,
          role: detail.decision.recipient.role,
          ...(detail.decision.recipient.maskedPhone
            ? { maskedPhone: detail.decision.recipient.maskedPhone }
            : {}),
        }
      : null,
  };
}
