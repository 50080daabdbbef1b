import { createHash } from 'node:crypto';
import {
  ProviderPermanentError,
  ProviderUnavailableError,
  type ChannelRejectReason,
  type DeliveryReport,
  type OutgoingMessage,
  type SendResult,
} from '../channel-gateway';
import { BoundedMap, type CallbackReport, type SmsProviderAdapter } from '../failover/sms-provider';
import { isSmscError, type SmscClient } from './smsc.client';
import { SMSC_MAX_ID, SmscError, smscErrorName, SmscStatus, toSmscOutcome } from './smsc.types';

/**
 * Where the SMSC adapter finds the phone of one of our deliveries: SMSC identifies a message by phone and
 * id together, so its status calls need the phone, and its callbacks name the phone with the id.
 */
export interface SmscRecipientDirectory {
  /** Phone (`+380…`) of each of our SMS deliveries, by delivery id; unknown ids are left out. */
  phonesOf(deliveryIds: string[]): Promise<Map<string, string>>;
  /** Our SMS deliveries to `phone` that may still get a report (sent, or being sent). */
  deliveriesAwaiting(phone: string): Promise<string[]>;
}

export interface SmscGatewayOptions {
  /** Registered alpha name (research/domain.md §9). */
  sender?: string;
  /**
   * SMSC answers error 9 to more than five status requests for one message within a minute, so one message
   * is asked about at most once per this interval.
   */
  statusIntervalMs?: number;
  /** Status calls per poll (one message per call). */
  maxStatusCallsPerPoll?: number;
}

/** SMSC takes message ids 1..2^31-1: ours is derived from the delivery id, so every resend carries the same. */
export function smscMessageId(deliveryId: string): number {
  const id = createHash('sha256').update(deliveryId).digest().readUInt32BE(0) & SMSC_MAX_ID;
  return id === 0 ? 1 : id;
}

/** `+380931234585` → `+380931234585` (a leading `+` turns SMSC's number "auto-correction" off). */
export function toSmscPhone(address: string): string | undefined {
  const digits = address.trim().replace(/^\+/, '');
  return /^\d{10,15}$/.test(digits) ? `+${digits}` : undefined;
}

/** `valid=hh:mm`: the message lifetime, from one minute to SMSC's 24 hours. */
export function smscValidity(ttlSeconds: number | undefined): string {
  const minutes = Math.min(24 * 60, Math.max(1, Math.ceil((ttlSeconds ?? 24 * 3600) / 60)));
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

const REJECTS = new Map<number, ChannelRejectReason>([
  [SmscError.INVALID_PHONE, 'INVALID_NUMBER'],
  [SmscError.CANNOT_DELIVER, 'PROVIDER_REJECTED'],
  [SmscError.MESSAGE_FORBIDDEN, 'PROVIDER_REJECTED'],
]);

/**
 * SMS through SMSC.ua behind the ChannelGateway port. The provider message id it returns is our delivery
 * id: SMSC knows the message by the number we assign (`smscMessageId`) and the phone, both derived from the
 * delivery, so the id stays unique in our database where a 31-bit number would not. SMSC does not
 * deduplicate a resent message (only an identical request within a minute, answered with error 9), so the
 * failover router asks `findSent` (a status call) before it resends one that may have gone out.
 */
export class SmscSmsGateway implements SmsProviderAdapter {
  readonly channel = 'SMS' as const;
  readonly name = 'smsc';
  readonly dedupesResends = false;
  private readonly sender: string;
  private readonly statusIntervalMs: number;
  private readonly maxStatusCalls: number;
  /** What this process sent: delivery id → phone, and `<smsc id>:<phone>` → delivery id. */
  private readonly phones = new BoundedMap<string, string>(50_000);
  private readonly deliveries = new BoundedMap<string, string>(50_000);
  private readonly lastAsked = new BoundedMap<string, number>(50_000);

  constructor(
    private readonly client: SmscClient,
    private readonly directory: SmscRecipientDirectory,
    options: SmscGatewayOptions = {},
  ) {
    this.sender = options.sender ?? 'eHealth';
    this.statusIntervalMs = options.statusIntervalMs ?? 15_000;
    this.maxStatusCalls = options.maxStatusCallsPerPoll ?? 50;
  }

  async send(message: OutgoingMessage): Promise<SendResult> {
    const phone = toSmscPhone(message.address);
    if (!phone) return { kind: 'REJECTED', reason: 'INVALID_NUMBER' };
    const id = smscMessageId(message.deliveryId);
    const answer = await this.client.send({
      phones: phone,
      mes: message.text,
      id,
      sender: this.sender,
      valid: smscValidity(message.ttlSeconds),
    });
    if (!isSmscError(answer)) {
      if (answer.id !== id)
        throw new ProviderUnavailableError('SMSC_ID_MISMATCH', { kind: 'INVALID_RESPONSE' });
      this.remember(message.deliveryId, id, phone);
      return { kind: 'ACCEPTED', providerMessageId: message.deliveryId };
    }
    const code = answer.error_code;
    const reject = REJECTS.get(code);
    if (reject) return { kind: 'REJECTED', reason: reject };
    if (code === SmscError.TOO_FREQUENT) {
      // "An identical request within a minute": an earlier attempt of ours may have got through. Ask.
      const found = await this.findSent(message);
      if (found) return found;
      throw new ProviderUnavailableError(smscErrorName(code), { kind: 'RATE_LIMITED', mayHaveSent: true });
    }
    if (code === SmscError.INSUFFICIENT_FUNDS)
      throw new ProviderUnavailableError(smscErrorName(code), { kind: 'PROVIDER_ERROR', mayHaveSent: false });
    if (code === SmscError.PARAMETERS || code === SmscError.INVALID_DATE)
      throw new ProviderPermanentError(smscErrorName(code));
    // A code we do not know: assume the worst (it may have been sent), so only a lookup here resends.
    throw new ProviderUnavailableError(smscErrorName(code), { kind: 'PROVIDER_ERROR', mayHaveSent: true });
  }

  async findSent(message: OutgoingMessage): Promise<SendResult | undefined> {
    const phone = toSmscPhone(message.address);
    if (!phone) return undefined;
    const id = smscMessageId(message.deliveryId);
    const answer = await this.client.status(phone, id);
    this.lastAsked.set(message.deliveryId, Date.now());
    if (isSmscError(answer))
      throw new ProviderUnavailableError(smscErrorName(answer.error_code), {
        kind: answer.error_code === SmscError.TOO_FREQUENT ? 'RATE_LIMITED' : 'PROVIDER_ERROR',
      });
    if (answer.status === SmscStatus.NOT_FOUND || typeof answer.status !== 'number') return undefined;
    this.remember(message.deliveryId, id, phone);
    return { kind: 'ACCEPTED', providerMessageId: message.deliveryId };
  }

  /** Status poll: one call per message (SMSC limits bulk status requests to one a minute), throttled. */
  async fetchReports(providerMessageIds: string[]): Promise<DeliveryReport[]> {
    const now = Date.now();
    const due = [...new Set(providerMessageIds)]
      .filter((id) => now - (this.lastAsked.get(id) ?? 0) >= this.statusIntervalMs)
      .slice(0, this.maxStatusCalls);
    if (due.length === 0) return [];
    const unknown = due.filter((id) => !this.phones.has(id));
    const looked = unknown.length > 0 ? await this.directory.phonesOf(unknown) : new Map<string, string>();
    const reports: DeliveryReport[] = [];
    let failure: unknown;
    for (const deliveryId of due) {
      const phone = this.phones.get(deliveryId) ?? looked.get(deliveryId);
      if (!phone) continue;
      this.lastAsked.set(deliveryId, Date.now());
      try {
        const answer = await this.client.status(phone, smscMessageId(deliveryId));
        if (isSmscError(answer) || answer.status === SmscStatus.NOT_FOUND) continue;
        reports.push({ providerMessageId: deliveryId, outcome: toSmscOutcome(answer.status), deliveryId });
      } catch (error) {
        // One provider, one fate: stop at the first failure and let the caller see it if nothing came back.
        failure = error;
        break;
      }
    }
    if (failure !== undefined && reports.length === 0) throw failure;
    return reports;
  }

  async probe(): Promise<void> {
    await this.client.balance();
  }

  /** A callback names SMSC's id and the phone: find which of our deliveries that is. */
  async resolveCallback(report: CallbackReport): Promise<DeliveryReport | undefined> {
    const phone = report.recipient ? toSmscPhone(report.recipient) : undefined;
    const id = Number(report.providerMessageId);
    if (!phone || !Number.isInteger(id)) return undefined;
    let deliveryId = this.deliveries.get(`${id}:${phone}`);
    if (!deliveryId) {
      const candidates = await this.directory.deliveriesAwaiting(phone);
      deliveryId = candidates.find((candidate) => smscMessageId(candidate) === id);
    }
    return deliveryId ? { providerMessageId: deliveryId, outcome: report.outcome, deliveryId } : undefined;
  }

  private remember(deliveryId: string, id: number, phone: string): void {
    this.phones.set(deliveryId, phone);
    this.deliveries.set(`${id}:${phone}`, deliveryId);
  }
}
