import {
  TERMINAL_STATUSES,
  type NotificationStatusCode,
  type SupportNotificationDetail,
  type SupportTimelineEntry,
} from '@app/contracts';
import { duration, kyivTime } from './html';
import {
  CHANNEL_BY,
  channelWords,
  methodWords,
  reasonWords,
  safeAlias,
  statusWords,
  typeWords,
} from './words';

export type Tone = 'ok' | 'bad' | 'warn' | 'info';

export interface StoryLine {
  at: string;
  text: string;
  tone: Tone;
}

export const terminalOf = (detail: SupportNotificationDetail): SupportTimelineEntry | undefined =>
  detail.timeline.find((entry) => TERMINAL_STATUSES.has(entry.status as NotificationStatusCode));

export function toneOf(status: string | null | undefined): Tone {
  if (status === 'DELIVERED' || status === 'SLIP_READY' || status === 'SLIP_PRINTED') return 'ok';
  if (status === 'FAILED' || status === 'EXPIRED' || status === 'REJECTED') return 'bad';
  if (status === 'FALLBACK' || status === 'SKIPPED') return 'warn';
  return 'info';
}

/** "представник пацієнта (у профілі: «мама») на телефон +38093*****67". */
export function recipientPhrase(detail: SupportNotificationDetail): string | undefined {
  const recipient = detail.decision?.recipient;
  if (!recipient) return undefined;
  const alias = safeAlias(detail.decision?.method?.alias);
  const who =
    recipient.role === 'REPRESENTATIVE'
      ? `представник пацієнта${alias ? ` (у профілі пацієнта позначений як «${alias}»)` : ''}`
      : 'сам пацієнт';
  const how =
    detail.decision?.method?.type === 'OFFLINE'
      ? ' — за документами, без телефону'
      : recipient.maskedPhone
        ? ` на телефон ${recipient.maskedPhone}`
        : '';
  return `${who}${how}`;
}

function nextChannel(detail: SupportNotificationDetail, channel: string | null): string | undefined {
  const plan = detail.decision?.plan ?? [];
  const index = channel ? plan.indexOf(channel) : -1;
  return index >= 0 ? plan[index + 1] : undefined;
}

/** One sentence per recorded step, in the order they happened. */
export function timelineStory(detail: SupportNotificationDetail): StoryLine[] {
  return detail.timeline.map((entry) => ({
    at: entry.at,
    tone: toneOf(entry.status),
    text: stepSentence(detail, entry),
  }));
}

function stepSentence(detail: SupportNotificationDetail, entry: SupportTimelineEntry): string {
  const channel = channelWords(entry.channel);
  const reason = reasonWords(entry.reason);
  switch (entry.status) {
    case 'RESOLVED': {
      const plan = (detail.decision?.plan ?? []).map(channelWords).join(' → ');
      return `Визначено, кому надсилати: ${recipientPhrase(detail) ?? 'отримувача'}.${plan ? ` Порядок каналів: ${plan}.` : ''}`;
    }
    case 'SENT':
      return `Надіслано ${CHANNEL_BY[entry.channel ?? ''] ?? channel}${entry.recipient?.maskedPhone ? ` на ${entry.recipient.maskedPhone}` : ''}; чекаємо підтвердження доставки.`;
    case 'DELIVERED':
      return `${channel}: доставлено — повідомлення дійшло до отримувача.`;
    case 'FALLBACK': {
      const next = nextChannel(detail, entry.channel);
      return `${channel} не спрацював: ${reason}.${next ? ` Тому надсилаємо ${CHANNEL_BY[next] ?? channelWords(next)}.` : ''}`;
    }
    case 'FAILED':
      return `Не доставлено${channel ? ` (${channel})` : ''}: ${reason || 'усі канали вичерпано'}.`;
    case 'EXPIRED':
      return `Строк дії сповіщення минув${reason ? `: ${reason}` : ''}.`;
    case 'SLIP_READY':
      return 'Інформаційну довідку сформовано — лікар може роздрукувати її у своїй МІС.';
    case 'SLIP_PRINTED':
      return 'Лікар надрукував інформаційну довідку.';
    case 'SKIPPED':
      return `Сповіщення не надсилалося: ${reason}.`;
    case 'REJECTED':
      return `Подію відхилено: ${reason || reasonWords('INVALID_EVENT')}.`;
    default:
      return `${statusWords(entry.status)}${channel ? ` (${channel})` : ''}${reason ? `: ${reason}` : ''}.`;
  }
}

/** What support reads out first: what it was, who got it, what went wrong on the way, how it ended. */
export function summary(detail: SupportNotificationDetail): string[] {
  const lines: string[] = [];
  const number = detail.number ? ` № ${detail.number}` : '';
  lines.push(
    `${typeWords(detail.type)}${number}; подія надійшла ${kyivTime(detail.receivedAt ?? detail.occurredAt)}.`,
  );
  const who = recipientPhrase(detail);
  if (who) {
    const method = methodWords(detail.decision?.method?.type);
    lines.push(`Отримувач: ${who}${method ? `; спосіб — ${method}` : ''}.`);
  } else if (detail.decision?.reason) {
    lines.push(`Отримувача не визначено: ${reasonWords(detail.decision.reason)}.`);
  }
  for (const entry of detail.timeline.filter((step) => step.status === 'FALLBACK')) {
    lines.push(`${channelWords(entry.channel)} не спрацював: ${reasonWords(entry.reason)}.`);
  }
  const terminal = terminalOf(detail);
  const received = detail.receivedAt ? Date.parse(detail.receivedAt) : NaN;
  if (!terminal) {
    const last = detail.timeline.at(-1);
    lines.push(`Ще не завершено: останній крок — «${statusWords(last?.status).toLowerCase()}».`);
  } else if (terminal.status === 'DELIVERED') {
    const after = (Date.parse(terminal.at) - received) / 1000;
    lines.push(
      `Доставлено ${CHANNEL_BY[terminal.channel ?? ''] ?? channelWords(terminal.channel)} ${kyivTime(terminal.at)}${Number.isFinite(after) ? ` — через ${duration(after)} після надходження події` : ''}.`,
    );
  } else if (terminal.status === 'SLIP_READY') {
    lines.push(
      `Інформаційна довідка готова ${kyivTime(terminal.at)}; ${detail.slip?.printedAt ? `надрукована ${kyivTime(detail.slip.printedAt)}` : 'ще не надрукована'}.`,
    );
  } else {
    lines.push(stepSentence(detail, terminal));
  }
  return lines;
}
