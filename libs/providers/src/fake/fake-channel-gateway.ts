import {
  ProviderPermanentError,
  ProviderUnavailableError,
  type ChannelGateway,
  type ChannelRejectReason,
  type DeliveryReport,
  type OutgoingMessage,
  type ReportOutcome,
  type SendResult,
} from '../channel-gateway';

const DEFAULT_KEY = Symbol('default');

/** What the fake does when asked to send to an address. */
export type FakeSendBehaviour =
  /** Accept; `fetchReports` then answers `report` (default DELIVERED) until `setReport` changes it. */
  | { kind: 'ACCEPT'; report?: ReportOutcome }
  | { kind: 'REJECT'; reason: ChannelRejectReason }
  /** Throw ProviderUnavailableError; after `times` failures (default: forever) fall through to ACCEPT. */
  | { kind: 'UNAVAILABLE'; code?: string; times?: number }
  | { kind: 'PERMANENT_ERROR'; code?: string };

export interface FakeSendAttempt {
  message: OutgoingMessage;
  outcome: 'ACCEPTED' | 'REJECTED' | 'UNAVAILABLE' | 'PERMANENT_ERROR';
  providerMessageId?: string;
}

export interface FakeSentMessage extends OutgoingMessage {
  providerMessageId: string;
}

/**
 * In-memory ChannelGateway for unit tests of code that uses the port. Scriptable per address, idempotent
 * by `deliveryId` like the real provider (a resend returns the same id and is recorded once), and it
 * records every call so tests can assert what was sent.
 */
export class FakeChannelGateway implements ChannelGateway {
  /** Accepted messages, once per deliveryId, in order. */
  readonly sent: FakeSentMessage[] = [];
  /** Every `send` call with its outcome, including rejects, errors and idempotent resends. */
  readonly attempts: FakeSendAttempt[] = [];

  private readonly behaviours = new Map<string, FakeSendBehaviour>();
  private readonly failuresLeft = new Map<string | symbol, number>();
  private readonly idsByDelivery = new Map<string, string>();
  private readonly reports = new Map<string, ReportOutcome>();
  private defaultBehaviour: FakeSendBehaviour = { kind: 'ACCEPT' };
  private reportsError?: Error;
  private nextId = 1;

  constructor(readonly channel: 'DIIA' | 'VIBER' | 'SMS') {}

  /** Behaviour for addresses without their own script. */
  setDefault(behaviour: FakeSendBehaviour): this {
    this.defaultBehaviour = behaviour;
    this.failuresLeft.delete(DEFAULT_KEY);
    return this;
  }

  script(address: string, behaviour: FakeSendBehaviour): this {
    this.behaviours.set(address, behaviour);
    this.failuresLeft.delete(address);
    return this;
  }

  accept(address: string, report: ReportOutcome = 'DELIVERED'): this {
    return this.script(address, { kind: 'ACCEPT', report });
  }

  reject(address: string, reason: ChannelRejectReason): this {
    return this.script(address, { kind: 'REJECT', reason });
  }

  unavailable(address: string, options: { code?: string; times?: number } = {}): this {
    return this.script(address, { kind: 'UNAVAILABLE', ...options });
  }

  failPermanently(address: string, code = 'HTTP_400'): this {
    return this.script(address, { kind: 'PERMANENT_ERROR', code });
  }

  /** Changes what `fetchReports` says about an accepted message. */
  setReport(providerMessageId: string, outcome: ReportOutcome): this {
    if (!this.reports.has(providerMessageId))
      throw new Error(`FakeChannelGateway: unknown message ${providerMessageId}`);
    this.reports.set(providerMessageId, outcome);
    return this;
  }

  /** Makes `fetchReports` throw (e.g. a ProviderUnavailableError) until called with undefined. */
  failReports(error: Error | undefined): this {
    this.reportsError = error;
    return this;
  }

  sentTo(address: string): FakeSentMessage[] {
    return this.sent.filter((message) => message.address === address);
  }

  reset(): void {
    this.sent.length = 0;
    this.attempts.length = 0;
    this.behaviours.clear();
    this.failuresLeft.clear();
    this.idsByDelivery.clear();
    this.reports.clear();
    this.defaultBehaviour = { kind: 'ACCEPT' };
    this.reportsError = undefined;
  }

  async send(message: OutgoingMessage): Promise<SendResult> {
    const copy = { ...message };
    const behaviour = this.behaviourFor(copy.address);

    if (behaviour.kind === 'UNAVAILABLE' && this.consumeFailure(copy.address, behaviour)) {
      this.attempts.push({ message: copy, outcome: 'UNAVAILABLE' });
      throw new ProviderUnavailableError(behaviour.code ?? 'HTTP_503');
    }
    if (behaviour.kind === 'PERMANENT_ERROR') {
      this.attempts.push({ message: copy, outcome: 'PERMANENT_ERROR' });
      throw new ProviderPermanentError(behaviour.code ?? 'HTTP_400');
    }
    if (behaviour.kind === 'REJECT') {
      this.attempts.push({ message: copy, outcome: 'REJECTED' });
      return { kind: 'REJECTED', reason: behaviour.reason };
    }

    let providerMessageId = this.idsByDelivery.get(copy.deliveryId);
    if (!providerMessageId) {
      providerMessageId = `fake-${this.channel.toLowerCase()}-${this.nextId++}`;
      this.idsByDelivery.set(copy.deliveryId, providerMessageId);
      this.reports.set(
        providerMessageId,
        behaviour.kind === 'ACCEPT' ? (behaviour.report ?? 'DELIVERED') : 'DELIVERED',
      );
      this.sent.push({ ...copy, providerMessageId });
    }
    this.attempts.push({ message: copy, outcome: 'ACCEPTED', providerMessageId });
    return { kind: 'ACCEPTED', providerMessageId };
  }

  async fetchReports(providerMessageIds: string[]): Promise<DeliveryReport[]> {
    if (this.reportsError) throw this.reportsError;
    return providerMessageIds.flatMap((id) => {
      const outcome = this.reports.get(id);
      return outcome ? [{ providerMessageId: id, outcome }] : [];
    });
  }

  private behaviourFor(address: string): FakeSendBehaviour {
    return this.behaviours.get(address) ?? this.defaultBehaviour;
  }

  /** True while an UNAVAILABLE script still has failures to give (per address, or for the default). */
  private consumeFailure(
    address: string,
    behaviour: Extract<FakeSendBehaviour, { kind: 'UNAVAILABLE' }>,
  ): boolean {
    if (behaviour.times === undefined) return true;
    const key = this.behaviours.has(address) ? address : DEFAULT_KEY;
    const left = this.failuresLeft.get(key) ?? behaviour.times;
    if (left <= 0) return false;
    this.failuresLeft.set(key, left - 1);
    return true;
  }
}
