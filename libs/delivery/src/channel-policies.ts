import type { DeliveryCommand, NotificationType } from '@app/contracts';
import { renderMessage } from '@app/texts';
import type { DeliveryPolicy, RenderedText } from './delivery-engine';

/** Codes live minutes; everything else may wait longer for a report before we try the next channel. */
const CODE_TYPES: ReadonlySet<NotificationType> = new Set(['AUTH_OTP', 'MEDICATION_REQUEST_CREATED']);

export interface ChannelTimeouts {
  /** Seconds to wait for a positive report when the message carries a code (AUTH_OTP, new e-prescription). */
  codeReportTimeoutSeconds: number;
  reportTimeoutSeconds: number;
}

function render(
  channel: 'DIIA' | 'VIBER' | 'SMS',
  command: DeliveryCommand,
  verificationCode: string | undefined,
): RenderedText {
  const message = renderMessage({
    type: command.type,
    role: command.recipient.role,
    number: command.content.number,
    verificationCode,
    subject: command.content.subjectName,
    validUntil: command.content.validUntil,
  });
  if (channel === 'SMS') return { text: message.sms };
  if (channel === 'VIBER') return { text: message.viber };
  return { text: message.diia.fullText, title: message.diia.title, shortText: message.diia.shortText };
}

export function phoneChannelPolicy(channel: 'DIIA' | 'VIBER', timeouts: ChannelTimeouts): DeliveryPolicy {
  return {
    reportTimeoutSeconds: (type) =>
      CODE_TYPES.has(type) ? timeouts.codeReportTimeoutSeconds : timeouts.reportTimeoutSeconds,
    retryWhenUnavailable: false,
    maxAttempts: () => 1,
    maxBackoffSeconds: 0,
    ttlSeconds: (type) => (CODE_TYPES.has(type) ? 300 : 24 * 3600),
    render: (command, code) => render(channel, command, code),
  };
}

export interface SmsRetryPolicy extends ChannelTimeouts {
  maxAttempts: number;
  maxBackoffSeconds: number;
}

/** SMS is the guaranteed channel: provider outages are retried with backoff until the code expires. */
export function smsPolicy(settings: SmsRetryPolicy): DeliveryPolicy {
  return {
    reportTimeoutSeconds: (type) =>
      CODE_TYPES.has(type) ? settings.codeReportTimeoutSeconds : settings.reportTimeoutSeconds,
    retryWhenUnavailable: true,
    maxAttempts: (type) => (type === 'AUTH_OTP' ? Math.min(settings.maxAttempts, 8) : settings.maxAttempts),
    maxBackoffSeconds: settings.maxBackoffSeconds,
    ttlSeconds: (type) => (CODE_TYPES.has(type) ? 300 : 24 * 3600),
    render: (command, code) => render('SMS', command, code),
  };
}
