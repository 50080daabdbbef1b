import { createHmac } from 'node:crypto';
import type { NotificationStatus } from '@app/contracts';
import { normaliseUaPhone } from '@app/platform';
import type { PersonRecord } from '../resolution';

/** What a support search key stands for (the `kind` column of notification_search). */
export const SearchKind = { PHONE: 'PHONE', NUMBER: 'NUMBER', PERSON: 'PERSON' } as const;
export type SearchKind = (typeof SearchKind)[keyof typeof SearchKind];

/**
 * Support finds notifications by phone, yet no phone is stored in clear for it: the search key of a phone is
 * HMAC-SHA256 under SUPPORT_SEARCH_KEY of its one normalised spelling, so `0931234567` and
 * `+38 (093) 123-45-67` give the same key, and a copy of the table without the key reveals no number (a
 * plain hash of a 9-digit number space would be reversed in seconds).
 */
export class PhoneKeyHasher {
  constructor(private readonly secret: string) {
    if (secret.length < 12) throw new Error('SUPPORT_SEARCH_KEY is too short');
  }

  /** undefined when the text is not a Ukrainian phone number. */
  keyOf(phone: string): string | undefined {
    const normalised = normaliseUaPhone(phone);
    return normalised && createHmac('sha256', this.secret).update(normalised).digest('base64url');
  }
}

export interface SearchKeyRow {
  kind: SearchKind;
  key: string;
  notificationId: string;
}

/** What the resolver has at hand once a batch is decided. Commands are the outbox's (DeliveryCommand values). */
export interface DecidedBatch {
  rows: readonly { id: string; event_id: string; request: { subjectPersonId: string } }[];
  persons: ReadonlyMap<string, PersonRecord>;
  statuses: readonly NotificationStatus[];
  commands: readonly { value: object }[];
}

interface CommandRecipient {
  eventId?: unknown;
  recipient?: { phone?: unknown };
}

/**
 * The decision-time search keys of a decided batch: the phone each notification is sent to (the
 * representative's, for a child), the subject's own phones (a child's own number finds what went to the
 * mother), and the recipient's person id. The number and the subject's id come from the stored request (a
 * trigger writes those, see the support-search migration).
 */
export function decisionSearchKeys(batch: DecidedBatch, hasher: PhoneKeyHasher): SearchKeyRow[] {
  const recipientPhones = new Map<string, string[]>();
  for (const { value } of batch.commands) {
    const command = value as CommandRecipient;
    if (typeof command.eventId !== 'string' || typeof command.recipient?.phone !== 'string') continue;
    const eventId = command.eventId.toLowerCase();
    recipientPhones.set(eventId, [...(recipientPhones.get(eventId) ?? []), command.recipient.phone]);
  }
  const recipients = new Map<string, Set<string>>();
  for (const status of batch.statuses) {
    if (!status.recipient) continue;
    const eventId = status.eventId.toLowerCase();
    recipients.set(eventId, (recipients.get(eventId) ?? new Set()).add(status.recipient.personId));
  }

  const keys: SearchKeyRow[] = [];
  for (const row of batch.rows) {
    const eventId = row.event_id.toLowerCase();
    const subjectId = row.request.subjectPersonId;
    const subject = batch.persons.get(subjectId);
    const ownPhones = (subject?.authenticationMethods ?? []).flatMap((method) =>
      method.type === 'OTP' && method.phoneNumber ? [method.phoneNumber] : [],
    );
    const phoneKeys = new Set(
      [...(recipientPhones.get(eventId) ?? []), ...ownPhones].flatMap((phone) => hasher.keyOf(phone) ?? []),
    );
    for (const key of phoneKeys) keys.push({ kind: SearchKind.PHONE, key, notificationId: row.id });
    for (const personId of recipients.get(eventId) ?? []) {
      if (personId !== subjectId)
        keys.push({ kind: SearchKind.PERSON, key: personId, notificationId: row.id });
    }
  }
  return keys;
}
