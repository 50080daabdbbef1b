import { signWebhookBody, verifyWebhookSignature, WebhookPayloadError } from '../turbosms/turbosms.webhook';
import type { CallbackReport } from '../failover/sms-provider';
import { isSmscStatus, toSmscOutcome } from './smsc.types';

/** Header carrying `sha256=<hex HMAC-SHA256 of the raw body>` (our addition, as for TurboSMS). */
export const SMSC_SIGNATURE_HEADER = 'x-signature';

const MAX_CALLBACK_BYTES = 16 * 1024;

/** Fields of SMSC's status callback ("status handler" URL of the account): a form, one message per call. */
export interface SmscCallbackFields {
  /** Our message id as we sent it (`id` of send.php). */
  id: string;
  phone: string;
  /** Status code (smsc.types.ts SmscStatus). */
  status: string;
  /** Unix time of the status change. */
  ts?: string;
  /** Error code of the message (0 when none). */
  err?: string;
}

/** Signs a callback body exactly as sent (the simulator signs, the sender verifies), as TurboSMS reports. */
export const signSmscCallback = signWebhookBody;

/**
 * Verifies and parses one SMSC status callback (`application/x-www-form-urlencoded`). The signature is
 * checked over the raw bytes before anything is parsed; errors carry codes, never content. The phone is
 * returned only to tell our messages apart (the caller must not keep or log it).
 */
export function parseSmscCallback(
  rawBody: Buffer,
  signatureHeader: string | undefined,
  secret: string,
): CallbackReport {
  verifyWebhookSignature(rawBody, signatureHeader, secret);

  if (rawBody.length > MAX_CALLBACK_BYTES) throw new WebhookPayloadError('TOO_LARGE');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(rawBody);
  } catch {
    throw new WebhookPayloadError('INVALID_ENCODING');
  }
  const form = new URLSearchParams(text);
  const id = form.get('id') ?? '';
  const phone = form.get('phone') ?? '';
  const status = Number(form.get('status') ?? 'x');
  if (!/^\d{1,10}$/.test(id) || Number(id) < 1 || Number(id) > 2_147_483_647)
    throw new WebhookPayloadError('INVALID_ID');
  if (!/^\+?\d{10,15}$/.test(phone)) throw new WebhookPayloadError('INVALID_PHONE');
  if (!isSmscStatus(status)) throw new WebhookPayloadError('INVALID_STATUS');
  return { providerMessageId: id, outcome: toSmscOutcome(status), recipient: phone };
}
