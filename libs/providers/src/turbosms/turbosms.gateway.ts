import {
  ProviderPermanentError,
  ProviderUnavailableError,
  type ChannelGateway,
  type ChannelRejectReason,
  type DeliveryReport,
  type OutgoingMessage,
  type SendResult,
} from '../channel-gateway';
import type { SmsProviderAdapter } from '../failover/sms-provider';
import type { TurboSmsClient } from './turbosms.client';
import {
  TurboSmsCode,
  turboSmsCodeName,
  toReportOutcome,
  type TurboSmsMessageType,
  type TurboSmsRecipientResult,
  type TurboSmsSendRequest,
  type TurboSmsSendResponse,
} from './turbosms.types';

export interface TurboSmsGatewayOptions {
  /** Registered alpha name / Viber sender (research/domain.md §9). */
  sender?: string;
}

/** Per-recipient synchronous rejects: the channel cannot reach this person, fall back at once. */
const REJECT_REASONS = new Map<number, ChannelRejectReason>([
  [TurboSmsCode.NOT_VIBER_USER, 'NOT_VIBER_USER'],
  [TurboSmsCode.USER_BLOCKED, 'USER_BLOCKED'],
  [TurboSmsCode.NO_SUITABLE_DEVICE, 'NO_SUITABLE_DEVICE'],
  [TurboSmsCode.NOT_ALLOWED_NUMBER_STOPLIST, 'STOP_LIST'],
  [TurboSmsCode.INVALID_PHONE, 'INVALID_NUMBER'],
]);

/** Whole-request codes meaning "the provider failed, try later". */
const UNAVAILABLE_CODES = new Set<number>([
  TurboSmsCode.FAILED_SMS_SEND,
  TurboSmsCode.FAILED_VIBER_SEND,
  TurboSmsCode.FATAL_ERROR,
]);

const ACCEPTED_CODES = new Set<number>([
  TurboSmsCode.OK,
  TurboSmsCode.SUCCESS_MESSAGE_ACCEPTED,
  TurboSmsCode.SUCCESS_MESSAGE_SENT,
  TurboSmsCode.SUCCESS_MESSAGE_PARTIAL_ACCEPTED,
  TurboSmsCode.SUCCESS_MESSAGE_PARTIAL_SENT,
]);

const STATUS_BATCH = 100;
// Viber's TTL range (research/domain.md §8.1); the code's lifetime is the caller's bound, this is the provider's.
const MIN_TTL_SECONDS = 30;
const MAX_TTL_SECONDS = 1_209_600;

/** `+380931234585` → `380931234585` (TurboSMS wants digits only); undefined when it is not a phone at all. */
export function toTurboSmsPhone(address: string): string | undefined {
  const digits = address.trim().replace(/^\+/, '');
  return /^\d{10,15}$/.test(digits) ? digits : undefined;
}

/**
 * One TurboSMS channel behind the ChannelGateway port. Each call carries exactly one channel; the
 * Viber → SMS cascade is ours, so the provider's hybrid mode is never used.
 */
abstract class TurboSmsGateway implements ChannelGateway {
  abstract readonly channel: 'VIBER' | 'SMS';
  protected abstract readonly type: TurboSmsMessageType;
  protected readonly sender: string;

  constructor(
    protected readonly client: TurboSmsClient,
    options: TurboSmsGatewayOptions = {},
  ) {
    this.sender = options.sender ?? 'eHealth';
  }

  protected abstract channelPart(message: OutgoingMessage): Pick<TurboSmsSendRequest, 'viber' | 'sms'>;

  async send(message: OutgoingMessage): Promise<SendResult> {
    const phone = toTurboSmsPhone(message.address);
    if (!phone) return { kind: 'REJECTED', reason: 'INVALID_NUMBER' };
    const response = await this.client.send({
      recipients: [phone],
      ...this.channelPart(message),
      sequence_id: message.deliveryId,
    });
    return interpretSendResponse(response, phone);
  }

  async fetchReports(providerMessageIds: string[]): Promise<DeliveryReport[]> {
    const ids = [...new Set(providerMessageIds.filter((id) => typeof id === 'string' && id.length > 0))];
    const reports: DeliveryReport[] = [];
    for (let start = 0; start < ids.length; start += STATUS_BATCH) {
      const batch = ids.slice(start, start + STATUS_BATCH);
      const response = await this.client.status(batch);
      if (response.response_code !== TurboSmsCode.OK)
        throw topLevelError(response.response_code, response.response_status);
      const asked = new Set(batch);
      for (const entry of Array.isArray(response.response_result) ? response.response_result : []) {
        if (!entry || typeof entry.message_id !== 'string' || !asked.has(entry.message_id)) continue;
        // A report of the other channel cannot belong to this gateway's message: ignore rather than misroute.
        if (entry.type !== undefined && entry.type !== this.type) continue;
        reports.push({ providerMessageId: entry.message_id, outcome: toReportOutcome(entry.status) });
      }
    }
    return reports;
  }
}

export class TurboSmsViberGateway extends TurboSmsGateway {
  readonly channel = 'VIBER' as const;
  protected readonly type = 'viber' as const;

  protected channelPart(message: OutgoingMessage): Pick<TurboSmsSendRequest, 'viber'> {
    const ttl =
      message.ttlSeconds === undefined
        ? undefined
        : Math.min(MAX_TTL_SECONDS, Math.max(MIN_TTL_SECONDS, Math.floor(message.ttlSeconds)));
    return { viber: { sender: this.sender, text: message.text, ...(ttl === undefined ? {} : { ttl }) } };
  }
}

/** SMS through TurboSMS; as a failover member, a resend with the same `sequence_id` is answered, not re-sent. */
export class TurboSmsSmsGateway extends TurboSmsGateway implements SmsProviderAdapter {
  readonly channel = 'SMS' as const;
  readonly name = 'turbosms';
  readonly dedupesResends = true;
  protected readonly type = 'sms' as const;

  protected channelPart(message: OutgoingMessage): Pick<TurboSmsSendRequest, 'sms'> {
    return { sms: { sender: this.sender, text: message.text } };
  }

  async probe(): Promise<void> {
    const response = await this.client.balance();
    if (response.response_code !== TurboSmsCode.OK)
      throw topLevelError(response.response_code, response.response_status);
  }
}

function interpretSendResponse(response: TurboSmsSendResponse, phone: string): SendResult {
  const results = Array.isArray(response.response_result) ? response.response_result : [];
  // We send one recipient per call; match on the phone, but accept a single unlabelled result too.
  const result =
    results.find((entry) => entry?.phone === phone) ?? (results.length === 1 ? results[0] : undefined);
  if (result) return interpretRecipientResult(result);

  const wholeRequestReject = REJECT_REASONS.get(response.response_code);
  if (wholeRequestReject) return { kind: 'REJECTED', reason: wholeRequestReject };
  if (ACCEPTED_CODES.has(response.response_code)) {
    // Accepted but no result for our recipient: retrying with the same sequence_id is safe and tells us more.
    throw new ProviderUnavailableError('MISSING_RESULT', { kind: 'INVALID_RESPONSE', mayHaveSent: true });
  }
  throw topLevelError(response.response_code, response.response_status);
}

function interpretRecipientResult(result: TurboSmsRecipientResult): SendResult {
  const code = result.response_code ?? TurboSmsCode.OK;
  if (code === TurboSmsCode.OK && typeof result.message_id === 'string' && result.message_id.length > 0) {
    return { kind: 'ACCEPTED', providerMessageId: result.message_id };
  }
  // The provider's own "failed to send" for our recipient: it did not take the message.
  if (UNAVAILABLE_CODES.has(code))
    throw new ProviderUnavailableError(turboSmsCodeName(code, result.response_status), {
      kind: 'PROVIDER_ERROR',
      mayHaveSent: false,
    });
  return { kind: 'REJECTED', reason: REJECT_REASONS.get(code) ?? 'PROVIDER_REJECTED' };
}

function topLevelError(code: number, status: string): ProviderUnavailableError | ProviderPermanentError {
  const name = turboSmsCodeName(code, status);
  return UNAVAILABLE_CODES.has(code)
    ? new ProviderUnavailableError(name, { kind: 'PROVIDER_ERROR', mayHaveSent: false })
    : new ProviderPermanentError(name);
}
