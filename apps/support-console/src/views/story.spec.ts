import 'reflect-metadata';
import type { SupportNotificationDetail } from '@app/contracts';
import { html } from './html';
import { detailPage } from './pages';
import { recipientPhrase, summary, timelineStory } from './story';

const mother = {
  personId: 'a1a1a1a1-0000-4000-8000-000000000001',
  role: 'REPRESENTATIVE' as const,
  maskedPhone: '+38093*****67',
};

/** A child's prescription that went to the mother: Viber did not reach her, SMS did. */
const detail: SupportNotificationDetail = {
  eventId: 'e1e1e1e1-0000-4000-8000-000000000001',
  type: 'MEDICATION_REQUEST_CREATED',
  number: '0000-K8K5-5MTE-352H',
  subjectPersonId: 'c1c1c1c1-0000-4000-8000-000000000001',
  state: 'DELIVERED',
  receivedAt: '2026-12-01T10:00:00.000Z',
  decision: {
    outcome: 'RESOLVED',
    recipient: { ...mother, hasTaxId: false },
    method: { id: 'm1', type: 'OTP', via: 't1', alias: 'мама' },
    plan: ['VIBER', 'SMS'],
    explanation: [
      { stage: 'DEFAULT_ORDER', methodId: 'o1', type: 'OTP', verdict: 'REJECTED', why: 'SUBJECT_UNDER_14' },
    ],
  },
  deliveries: [],
  timeline: [
    { status: 'RESOLVED', channel: null, reason: null, recipient: mother, at: '2026-12-01T10:00:00.100Z' },
    { status: 'SENT', channel: 'VIBER', reason: null, recipient: mother, at: '2026-12-01T10:00:01.000Z' },
    {
      status: 'FALLBACK',
      channel: 'VIBER',
      reason: 'UNDELIVERED',
      recipient: mother,
      at: '2026-12-01T10:00:02.000Z',
    },
    { status: 'SENT', channel: 'SMS', reason: null, recipient: mother, at: '2026-12-01T10:00:03.000Z' },
    { status: 'DELIVERED', channel: 'SMS', reason: null, recipient: mother, at: '2026-12-01T10:00:09.000Z' },
  ],
  slip: null,
};

describe('the detail in plain words', () => {
  it('names the mother as the representative who received it', () => {
    expect(recipientPhrase(detail)).toBe(
      'представник пацієнта (у профілі пацієнта позначений як «мама») на телефон +38093*****67',
    );
  });

  it('tells the Viber → SMS fallback with its reason, and when SMS delivered', () => {
    const lines = timelineStory(detail).map((line) => line.text);
    expect(lines[2]).toBe(
      'Viber не спрацював: оператор повідомив, що повідомлення не доставлено (телефон вимкнений або поза зоною). Тому надсилаємо SMS-повідомленням.',
    );
    expect(lines[4]).toBe('SMS: доставлено — повідомлення дійшло до отримувача.');
    expect(summary(detail).at(-1)).toMatch(
      /^Доставлено SMS-повідомленням 01\.12\.2026, 12:00:09 — через 9 с після надходження події\.$/,
    );
  });

  it('says the slip was not printed yet', () => {
    const slip = {
      ...detail,
      decision: { ...detail.decision!, plan: ['SLIP'] },
      slip: { readyAt: '2026-12-01T10:00:01Z', printedAt: null },
    };
    expect(detailPage({ staff: { login: 'olena', csrfToken: 't' } }, slip).value).toContain(
      'Надруковано: <b>ні</b>',
    );
  });

  it('hides a relationship alias that holds a number', () => {
    const withPhone = {
      ...detail,
      decision: { ...detail.decision!, method: { ...detail.decision!.method!, alias: 'мама 0931234567' } },
    };
    expect(recipientPhrase(withPhone)).toBe('представник пацієнта на телефон +38093*****67');
  });

  it('escapes everything it interpolates', () => {
    expect(html`<p>${'<script>alert(1)</script>'}</p>`.value).toBe(
      '<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>',
    );
  });
});
