import { randomUUID } from 'node:crypto';
import {
  ProviderPermanentError,
  ProviderUnavailableError,
  type DeliveryReport,
  type OutgoingMessage,
  type ReportOutcome,
  type SendResult,
} from '../channel-gateway';
import type { SmsProviderAdapter } from '../failover/sms-provider';

/** What the fake provider does with the next sends. */
export type FakeSmsBehaviour =
  | 'ACCEPT'
  /** Refuses this recipient (STOP_LIST). */
  | 'REJECT'
  /** HTTP 503: certainly not sent. */
  | 'DOWN_503'
  /** No answer, nothing recorded (a hung provider). */
  | 'TIMEOUT_BEFORE'
  /** Takes the message, then the answer never comes: the hard case of "may have sent". */
  | 'TIMEOUT_AFTER_ACCEPT'
  /** HTTP 400. */
  | 'PERMANENT';

/**
 * An SMS aggregator for unit tests of the failover router. `messages` is what the provider holds, once per
 * send it took: a provider that does not deduplicate resends (`dedupesResends: false`) holds a second copy
 * if it is sent the same delivery twice, so a test can see a double send.
 */
export class FakeSmsProvider implements SmsProviderAdapter {
  readonly channel = 'SMS' as const;
  readonly dedupesResends: boolean;
  behaviour: FakeSmsBehaviour = 'ACCEPT';
  probeFails = false;
  readonly messages: { deliveryId: string; id: string; text: string }[] = [];
  readonly calls: { op: 'send' | 'findSent' | 'probe' | 'status'; deliveryId?: string }[] = [];
  /** Report outcome per provider message id (default DELIVERED). */
  readonly reports = new Map<string, ReportOutcome>();

  constructor(
    readonly name: string,
    options: { dedupesResends?: boolean } = {},
  ) {
    this.dedupesResends = options.dedupesResends ?? true;
  }

  sendsOf(deliveryId: string): number {
    return this.calls.filter((call) => call.op === 'send' && call.deliveryId === deliveryId).length;
  }

  async send(message: OutgoingMessage): Promise<SendResult> {
    this.calls.push({ op: 'send', deliveryId: message.deliveryId });
    switch (this.behaviour) {
      case 'DOWN_503':
        throw new ProviderUnavailableError('HTTP_503', { kind: 'HTTP_5XX', mayHaveSent: false });
      case 'TIMEOUT_BEFORE':
        throw new ProviderUnavailableError('TIMEOUT', { kind: 'TIMEOUT', mayHaveSent: true });
      case 'PERMANENT':
        throw new ProviderPermanentError('HTTP_400');
      case 'REJECT':
        return { kind: 'REJECTED', reason: 'STOP_LIST' };
      case 'TIMEOUT_AFTER_ACCEPT':
        this.take(message);
        throw new ProviderUnavailableError('TIMEOUT', { kind: 'TIMEOUT', mayHaveSent: true });
      case 'ACCEPT':
        return { kind: 'ACCEPTED', providerMessageId: this.take(message) };
    }
  }

  async findSent(message: OutgoingMessage): Promise<SendResult | undefined> {
    this.calls.push({ op: 'findSent', deliveryId: message.deliveryId });
    if (this.behaviour === 'DOWN_503' || this.behaviour === 'TIMEOUT_BEFORE')
      throw new ProviderUnavailableError('HTTP_503', { kind: 'HTTP_5XX', mayHaveSent: false });
    const held = this.messages.find((m) => m.deliveryId === message.deliveryId);
    return held ? { kind: 'ACCEPTED', providerMessageId: held.id } : undefined;
  }

  async probe(): Promise<void> {
    this.calls.push({ op: 'probe' });
    if (this.probeFails)
      throw new ProviderUnavailableError('HTTP_503', { kind: 'HTTP_5XX', mayHaveSent: false });
  }

  async fetchReports(providerMessageIds: string[]): Promise<DeliveryReport[]> {
    this.calls.push({ op: 'status' });
    if (this.behaviour === 'DOWN_503')
      throw new ProviderUnavailableError('HTTP_503', { kind: 'HTTP_5XX', mayHaveSent: false });
    return providerMessageIds.flatMap((id) =>
      this.messages.some((m) => m.id === id)
        ? [{ providerMessageId: id, outcome: this.reports.get(id) ?? 'DELIVERED' }]
        : [],
    );
  }

  private take(message: OutgoingMessage): string {
    const held = this.dedupesResends
      ? this.messages.find((m) => m.deliveryId === message.deliveryId)
      : undefined;
    if (held) return held.id;
    const id = `${this.name}-${randomUUID().slice(0, 8)}`;
    this.messages.push({ deliveryId: message.deliveryId, id, text: message.text });
    return id;
  }
}
