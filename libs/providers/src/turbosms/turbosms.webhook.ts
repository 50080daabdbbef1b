import { createHmac, timingSafeEqual } from 'node:crypto';
import type { DeliveryReport } from '../channel-gateway';
import { isTurboSmsMessageStatus, toReportOutcome } from './turbosms.types';

/** Header carrying `sha256=<hex HMAC-SHA256 of the raw body>`. */
export const TURBOSMS_SIGNATURE_HEADER = 'x-signature';

/** Delivery reports are tiny; anything bigger is not one of ours. */
const MAX_WEBHOOK_BYTES = 64 * 1024;
const SIGNATURE_PATTERN = /^sha256=([0-9a-f]{64})$/i;
/**
 * Provider message ids and our echoed delivery ids are printable ASCII: a NUL or a lone surrogate would only
 * reach the database to be refused there (an HTTP 500), control characters would reach logs and metrics.
 */
const ID_PATTERN = /^[\x21-\x7e]{1,128}$/;

/** Missing or wrong signature: answer 401 and do not look at the body. */
export class WebhookSignatureError extends Error {
  constructor(readonly code: 'MISSING_SIGNATURE' | 'INVALID_SIGNATURE') {
    super(`webhook signature rejected: ${code}`);
    this.name = 'WebhookSignatureError';
  }
}

/** Correctly signed but unusable body: answer 400 (the provider's retry would not fix it). */
export class WebhookPayloadError extends Error {
  constructor(readonly code: string) {
    super(`webhook payload rejected: ${code}`);
    this.name = 'WebhookPayloadError';
  }
}

export interface TurboSmsWebhookReport extends DeliveryReport {
  channel: 'VIBER' | 'SMS';
  /** Our delivery id echoed back as `sequence_id`, when the provider has it. */
  deliveryId: string | null;
}

/** Value for the `X-Signature` header of `body` (exactly the bytes that are sent). */
export function signWebhookBody(body: Buffer | string, secret: string): string {
  if (!secret) throw new Error('webhook secret is empty');
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * Checks `X-Signature: sha256=<hex>` over the raw bytes, in constant time, before anything is parsed (the
 * TurboSMS reports and the SMSC status callbacks are signed alike). Errors carry codes, never content.
 */
export function verifyWebhookSignature(
  rawBody: Buffer,
  signatureHeader: string | undefined,
  secret: string,
): void {
  if (!secret) throw new Error('webhook secret is empty');
  if (!signatureHeader) throw new WebhookSignatureError('MISSING_SIGNATURE');
  const match = SIGNATURE_PATTERN.exec(signatureHeader.trim());
  if (!match) throw new WebhookSignatureError('INVALID_SIGNATURE');
  if (!Buffer.isBuffer(rawBody)) throw new WebhookPayloadError('MISSING_RAW_BODY');

  const expected = createHmac('sha256', secret).update(rawBody).digest();
  const given = Buffer.from(match[1], 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new WebhookSignatureError('INVALID_SIGNATURE');
  }
}

/**
 * Verifies and parses one delivery-report webhook. The signature is checked over the raw bytes before any
 * parsing, so an unauthenticated caller never reaches the JSON parser. Errors carry codes, never content.
 */
export function parseTurboSmsWebhook(
  rawBody: Buffer,
  signatureHeader: string | undefined,
  secret: string,
): TurboSmsWebhookReport {
  verifyWebhookSignature(rawBody, signatureHeader, secret);

  if (rawBody.length > MAX_WEBHOOK_BYTES) throw new WebhookPayloadError('TOO_LARGE');
  let payload: unknown;
  try {
    payload = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new WebhookPayloadError('INVALID_JSON');
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    throw new WebhookPayloadError('NOT_AN_OBJECT');
  const { message_id: messageId, sequence_id: sequenceId, status, type } = payload as Record<string, unknown>;

  if (typeof messageId !== 'string' || !ID_PATTERN.test(messageId)) {
    throw new WebhookPayloadError('INVALID_MESSAGE_ID');
  }
  if (!isTurboSmsMessageStatus(status)) throw new WebhookPayloadError('INVALID_STATUS');
  if (type !== 'viber' && type !== 'sms') throw new WebhookPayloadError('INVALID_TYPE');
  if (
    sequenceId !== undefined &&
    sequenceId !== null &&
    sequenceId !== '' &&
    (typeof sequenceId !== 'string' || !ID_PATTERN.test(sequenceId))
  ) {
    throw new WebhookPayloadError('INVALID_SEQUENCE_ID');
  }

  return {
    providerMessageId: messageId,
    outcome: toReportOutcome(status),
    channel: type === 'viber' ? 'VIBER' : 'SMS',
    deliveryId: typeof sequenceId === 'string' && sequenceId.length > 0 ? sequenceId : null,
  };
}
