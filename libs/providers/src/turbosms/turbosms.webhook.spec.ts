import { createHmac } from 'node:crypto';
import {
  parseTurboSmsWebhook,
  signWebhookBody,
  WebhookPayloadError,
  WebhookSignatureError,
} from './turbosms.webhook';

const SECRET = 'local-webhook-secret';

function body(overrides: Record<string, unknown> = {}): Buffer {
  return Buffer.from(
    JSON.stringify({
      message_id: 'm-1',
      sequence_id: 'd-1',
      status: 'Delivered',
      type: 'viber',
      sent_at: '2026-01-01T00:00:00.000Z',
      updated_at: '2026-01-01T00:00:01.000Z',
      ...overrides,
    }),
  );
}

function errorOf(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('TurboSMS delivery-report webhook', () => {
  it('signs with HMAC-SHA256 of the raw body', () => {
    const raw = body();
    expect(signWebhookBody(raw, SECRET)).toBe(
      `sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}`,
    );
    expect(signWebhookBody(raw.toString(), SECRET)).toBe(signWebhookBody(raw, SECRET));
  });

  it.each([
    ['Delivered', 'viber', 'DELIVERED', 'VIBER'],
    ['Undelivered', 'sms', 'UNDELIVERED', 'SMS'],
    ['Expired', 'viber', 'EXPIRED', 'VIBER'],
  ])('accepts a correctly signed %s report (%s)', (status, type, outcome, channel) => {
    const raw = body({ status, type });
    expect(parseTurboSmsWebhook(raw, signWebhookBody(raw, SECRET), SECRET)).toEqual({
      providerMessageId: 'm-1',
      outcome,
      channel,
      deliveryId: 'd-1',
    });
  });

  it('rejects a missing signature', () => {
    const error = errorOf(() => parseTurboSmsWebhook(body(), undefined, SECRET));
    expect(error).toBeInstanceOf(WebhookSignatureError);
    expect(error).toMatchObject({ code: 'MISSING_SIGNATURE' });
  });

  it.each([
    ['another secret', (raw: Buffer) => signWebhookBody(raw, 'another-secret')],
    ['another body', () => signWebhookBody(body({ status: 'Expired' }), SECRET)],
    ['no scheme', (raw: Buffer) => signWebhookBody(raw, SECRET).slice('sha256='.length)],
    ['a truncated digest', (raw: Buffer) => signWebhookBody(raw, SECRET).slice(0, -2)],
    ['garbage', () => 'sha256=zz'],
  ])('rejects a wrong signature (%s)', (_case, sign) => {
    const raw = body();
    const error = errorOf(() => parseTurboSmsWebhook(raw, sign(raw), SECRET));
    expect(error).toBeInstanceOf(WebhookSignatureError);
    expect(error).toMatchObject({ code: 'INVALID_SIGNATURE' });
  });

  it.each([
    ['not JSON', Buffer.from('{"message_id":'), 'INVALID_JSON'],
    ['an array', Buffer.from('[]'), 'NOT_AN_OBJECT'],
    ['no message id', body({ message_id: undefined }), 'INVALID_MESSAGE_ID'],
    ['an unknown status', body({ status: 'Lost' }), 'INVALID_STATUS'],
    ['an unknown type', body({ type: 'telegram' }), 'INVALID_TYPE'],
    ['a numeric sequence id', body({ sequence_id: 5 }), 'INVALID_SEQUENCE_ID'],
    ['a NUL in the message id', body({ message_id: 'm\u0000-1' }), 'INVALID_MESSAGE_ID'],
    ['a lone surrogate in the message id', body({ message_id: 'm\ud800' }), 'INVALID_MESSAGE_ID'],
    ['a control character in the sequence id', body({ sequence_id: 'd\u001b[31m' }), 'INVALID_SEQUENCE_ID'],
    ['a message id of 129 characters', body({ message_id: 'm'.repeat(129) }), 'INVALID_MESSAGE_ID'],
  ])('rejects a signed but malformed body (%s)', (_case, raw, code) => {
    const error = errorOf(() => parseTurboSmsWebhook(raw, signWebhookBody(raw, SECRET), SECRET));
    expect(error).toBeInstanceOf(WebhookPayloadError);
    expect(error).toMatchObject({ code });
  });

  it('refuses to work with an empty secret', () => {
    expect(() => parseTurboSmsWebhook(body(), 'sha256=00', '')).toThrow('webhook secret is empty');
    expect(() => signWebhookBody(body(), '')).toThrow('webhook secret is empty');
  });
});
