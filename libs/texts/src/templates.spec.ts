import { TEXT_LIMITS } from './limits';
import {
  MessageInput,
  NOTIFICATION_TYPES,
  NotificationType,
  RecipientRole,
  TemplateInputError,
} from './message-input';
import { countSmsSegments } from './sms-segments';
import { renderMessage, RenderedMessage, requiredFields } from './templates';

const RX_NUMBER = '0000-K8K5-5MTE-352H';
const REFERRAL_NUMBER = '01EM-TC40-CAXX-E2HE';
const CODE = '4821';
const PATIENT = { firstName: 'Олена', lastName: 'Ковальчук' };

/** Per type: which number it carries and whether the code is announced. */
const TYPES: Record<NotificationType, { number?: string; showsCode: boolean }> = {
  AUTH_OTP: { showsCode: true },
  MEDICATION_REQUEST_CREATED: { number: RX_NUMBER, showsCode: true },
  MEDICATION_REQUEST_REJECTED: { number: RX_NUMBER, showsCode: false },
  SERVICE_REQUEST_CREATED: { number: REFERRAL_NUMBER, showsCode: false },
  SERVICE_REQUEST_RECALLED: { number: REFERRAL_NUMBER, showsCode: false },
  SERVICE_REQUEST_CANCELLED: { number: REFERRAL_NUMBER, showsCode: false },
  CARE_PLAN_CREATED: { number: REFERRAL_NUMBER, showsCode: false },
  MEDICAL_CONCLUSION_CREATED: { number: '98CC-P696-E34T-X4T2', showsCode: false },
};
const ROLES: RecipientRole[] = ['SUBJECT', 'REPRESENTATIVE'];
const CASES = NOTIFICATION_TYPES.flatMap((type) => ROLES.map((role) => [type, role] as const));

/** Every field filled in, so each test shows what a type chooses to print and what it keeps out. */
function fullInput(
  type: NotificationType,
  role: RecipientRole,
  overrides: Partial<MessageInput> = {},
): MessageInput {
  return {
    type,
    role,
    number: TYPES[type].number ?? REFERRAL_NUMBER,
    verificationCode: CODE,
    subject: PATIENT,
    validUntil: '2025-12-31',
    ...overrides,
  };
}

function allTexts(message: RenderedMessage): string[] {
  return [message.sms, message.viber, message.diia.title, message.diia.shortText, message.diia.fullText];
}

function bodyTexts(message: RenderedMessage): string[] {
  return [message.sms, message.viber, message.diia.shortText, message.diia.fullText];
}

describe('renderMessage: every type × role', () => {
  describe.each(CASES)('%s / %s', (type, role) => {
    const message = renderMessage(fullInput(type, role));
    const { number, showsCode } = TYPES[type];

    it('prints the document number in every body text (and none for OTP)', () => {
      for (const text of bodyTexts(message)) {
        if (number) expect(text).toContain(number);
        else expect(text).not.toContain(REFERRAL_NUMBER);
      }
    });

    it(showsCode ? 'prints the code in every body text' : 'never prints the code, even when given', () => {
      for (const text of bodyTexts(message)) {
        if (showsCode) expect(text).toContain(CODE);
        else expect(text).not.toContain(CODE);
      }
      expect(message.diia.title).not.toContain(CODE); // titles show on lock screens
    });

    it(
      role === 'REPRESENTATIVE' ? 'names the patient as «Олена К.» everywhere' : 'does not name anyone',
      () => {
        for (const text of allTexts(message)) {
          if (role === 'REPRESENTATIVE') expect(text).toContain('Олена К.');
          else expect(text).not.toContain('Олена');
          expect(text).not.toContain('Ковальчук');
        }
      },
    );

    it('keeps the SMS to exactly one UCS-2 segment', () => {
      const info = countSmsSegments(message.sms);
      expect(info.encoding).toBe('UCS2');
      expect(info.segments).toBe(1);
      expect(info.length).toBeLessThanOrEqual(70);
      expect(info.length).toBe(message.sms.length);
    });

    it('stays within the Viber and Diia limits', () => {
      expect(message.viber.length).toBeLessThanOrEqual(TEXT_LIMITS.VIBER);
      expect(message.diia.title.length).toBeLessThanOrEqual(TEXT_LIMITS.DIIA_TITLE);
      expect(message.diia.shortText.length).toBeLessThanOrEqual(TEXT_LIMITS.DIIA_SHORT_TEXT);
      expect(message.diia.fullText.length).toBeLessThanOrEqual(TEXT_LIMITS.DIIA_FULL_TEXT);
    });

    it('fills every channel and keeps the SMS on one line', () => {
      for (const text of allTexts(message)) expect(text.trim()).not.toBe('');
      expect(message.sms).not.toContain('\n');
    });
  });
});

describe('renderMessage: exact SMS texts', () => {
  // Length checks are independent of the literal: they fail if a wording change breaks the budget.
  it.each<[string, MessageInput, string, number]>([
    [
      'prescription, patient (eHealth wording)',
      { type: 'MEDICATION_REQUEST_CREATED', role: 'SUBJECT', number: RX_NUMBER, verificationCode: '1234' },
      'Ваш рецепт: 0000-K8K5-5MTE-352H. Код підтвердження: 1234',
      56,
    ],
    [
      'prescription, representative',
      {
        type: 'MEDICATION_REQUEST_CREATED',
        role: 'REPRESENTATIVE',
        number: RX_NUMBER,
        verificationCode: '1234',
        subject: PATIENT,
      },
      'Рецепт на імʼя Олена К.: 0000-K8K5-5MTE-352H. Код підтвердження: 1234',
      69,
    ],
    [
      'OTP, patient (eHealth wording)',
      { type: 'AUTH_OTP', role: 'SUBJECT', verificationCode: '1234' },
      'Код авторизації дій в системі eHealth: 1234',
      43,
    ],
    [
      'OTP, representative',
      { type: 'AUTH_OTP', role: 'REPRESENTATIVE', verificationCode: '1234', subject: PATIENT },
      'Код авторизації дій в системі eHealth: 1234 (пацієнт: Олена К.)',
      63,
    ],
    [
      'referral recalled, patient (eHealth wording)',
      { type: 'SERVICE_REQUEST_RECALLED', role: 'SUBJECT', number: REFERRAL_NUMBER },
      'Ваше направлення під номером 01EM-TC40-CAXX-E2HE було відкликано',
      64,
    ],
    [
      'referral cancelled, patient (eHealth wording)',
      { type: 'SERVICE_REQUEST_CANCELLED', role: 'SUBJECT', number: REFERRAL_NUMBER },
      'Ваше направлення під номером 01EM-TC40-CAXX-E2HE було відмінено',
      63,
    ],
    [
      'referral created with validity',
      { type: 'SERVICE_REQUEST_CREATED', role: 'SUBJECT', number: REFERRAL_NUMBER, validUntil: '2026-03-01' },
      'Ваше направлення: 01EM-TC40-CAXX-E2HE. Дійсне до 01.03.2026',
      59,
    ],
    [
      'prescription rejected (eHealth wording, no date)',
      { type: 'MEDICATION_REQUEST_REJECTED', role: 'SUBJECT', number: RX_NUMBER },
      'Відкликано рецепт: 0000-K8K5-5MTE-352H',
      38,
    ],
  ])('%s', (_label, input, expected, length) => {
    const { sms } = renderMessage(input);
    expect(sms).toBe(expected);
    expect(countSmsSegments(sms)).toEqual({ encoding: 'UCS2', length, segments: 1, perSegment: 70 });
  });
});

describe('renderMessage: choosing SMS wording to stay in one segment', () => {
  const longName = { firstName: 'Олександра-Вікторія', lastName: 'Шевченко' }; // 19 letters

  it('falls back to the compact wording when a long name would need a second segment', () => {
    const input = fullInput('MEDICATION_REQUEST_CREATED', 'REPRESENTATIVE', { subject: longName });
    const { sms, viber } = renderMessage(input);
    expect(sms).toBe('Рецепт на імʼя Олександра-Вікторія Ш.: 0000-K8K5-5MTE-352H, код 4821');
    expect(countSmsSegments(sms)).toMatchObject({ length: 68, segments: 1 });
    // Viber has room for the full eHealth wording.
    expect(viber).toContain(
      'Рецепт на імʼя Олександра-Вікторія Ш.: 0000-K8K5-5MTE-352H. Код підтвердження: 4821',
    );
  });

  it('drops the validity date from the SMS rather than spill into a second segment', () => {
    const input = fullInput('SERVICE_REQUEST_CREATED', 'REPRESENTATIVE');
    const { sms, viber } = renderMessage(input);
    expect(sms).toBe('Направлення на імʼя Олена К.: 01EM-TC40-CAXX-E2HE');
    expect(viber).toContain('Дійсне до 31.12.2025');
  });

  it.each(CASES)('%s / %s stays one segment with a 19-letter first name', (type, role) => {
    const { sms } = renderMessage(fullInput(type, role, { subject: longName }));
    expect(countSmsSegments(sms).segments).toBe(1);
  });

  it('goes multipart only when no wording fits, and then keeps the richest one at the same cost', () => {
    const hugeName = { firstName: 'Й'.repeat(40), lastName: 'Шевченко' }; // capped to 30 letters
    const patient = `${'Й'.repeat(30)} Ш.`;
    const { sms } = renderMessage(
      fullInput('MEDICATION_REQUEST_CREATED', 'REPRESENTATIVE', { subject: hugeName }),
    );
    // Even the most compact wording is 73 characters (2 segments), so the full one (also 2) wins.
    expect(countSmsSegments(`Рецепт (${patient}): 0000-K8K5-5MTE-352H, код 4821`).segments).toBe(2);
    expect(sms).toBe(
      `Рецепт на імʼя ${patient}: 0000-K8K5-5MTE-352H. Код підтвердження: 4821. Дійсний до 31.12.2025`,
    );
    expect(countSmsSegments(sms)).toEqual({ encoding: 'UCS2', length: 117, segments: 2, perSegment: 67 });
  });

  it('prefers a compact wording that saves a segment over a richer one', () => {
    const subject = { firstName: 'Й'.repeat(20), lastName: 'Шевченко' };
    const { sms } = renderMessage(fullInput('SERVICE_REQUEST_RECALLED', 'REPRESENTATIVE', { subject }));
    // The «на імʼя» lead would be 75 characters (2 segments); the parenthesised one is 69.
    expect(sms).toBe(`Відкликано направлення (${'Й'.repeat(20)} Ш.): 01EM-TC40-CAXX-E2HE`);
    expect(countSmsSegments(sms)).toMatchObject({ length: 69, segments: 1 });
  });
});

describe('renderMessage: Viber and Diia content', () => {
  it('adds validity in the right gender and the next step', () => {
    const rx = renderMessage(fullInput('MEDICATION_REQUEST_CREATED', 'SUBJECT'));
    expect(rx.viber).toBe(
      'Ваш рецепт: 0000-K8K5-5MTE-352H. Код підтвердження: 4821. Дійсний до 31.12.2025.\n' +
        'Щоб отримати ліки, назвіть номер рецепта і код підтвердження фармацевту в аптеці.',
    );
    expect(rx.diia).toEqual({
      title: 'Новий е-рецепт',
      shortText: 'Ваш рецепт: 0000-K8K5-5MTE-352H. Код підтвердження: 4821. Дійсний до 31.12.2025.',
      fullText: rx.viber,
    });
  });

  it('tells a representative why they get the message', () => {
    const message = renderMessage(fullInput('SERVICE_REQUEST_CREATED', 'REPRESENTATIVE'));
    expect(message.diia.title).toBe('Нове е-направлення: Олена К.');
    expect(message.viber.split('\n')).toEqual([
      'Направлення на імʼя Олена К.: 01EM-TC40-CAXX-E2HE. Дійсне до 31.12.2025.',
      'Назвіть номер направлення в закладі, де отримуватимете послугу.',
      'Ви отримали це повідомлення як один із батьків або законний представник пацієнта.',
    ]);
  });

  it.each<NotificationType>([
    'MEDICATION_REQUEST_REJECTED',
    'SERVICE_REQUEST_RECALLED',
    'SERVICE_REQUEST_CANCELLED',
  ])('%s ignores validUntil (a withdrawn document has no validity to announce)', (type) => {
    const message = renderMessage(fullInput(type, 'SUBJECT'));
    for (const text of allTexts(message)) expect(text).not.toMatch(/Дійсн/);
  });

  it('stays within limits with the longest accepted number and name', () => {
    const extreme = {
      number: 'X'.repeat(32),
      subject: { firstName: 'Щ'.repeat(100), lastName: 'Ж'.repeat(100) },
    };
    for (const [type, role] of CASES) {
      const message = renderMessage(fullInput(type, role, extreme));
      expect(message.viber.length).toBeLessThanOrEqual(TEXT_LIMITS.VIBER);
      expect(message.diia.title.length).toBeLessThanOrEqual(TEXT_LIMITS.DIIA_TITLE);
      expect(message.diia.shortText.length).toBeLessThanOrEqual(TEXT_LIMITS.DIIA_SHORT_TEXT);
      expect(message.diia.fullText.length).toBeLessThanOrEqual(TEXT_LIMITS.DIIA_FULL_TEXT);
      expect(message.sms).not.toContain('Ж'.repeat(2)); // still only the initial
    }
  });

  it('trims the number and tidies the name', () => {
    const { sms } = renderMessage(
      fullInput('SERVICE_REQUEST_CREATED', 'REPRESENTATIVE', {
        number: `  ${REFERRAL_NUMBER} `,
        subject: { firstName: '  Анна   Марія ', lastName: ' єременко' },
        validUntil: undefined,
      }),
    );
    expect(sms).toBe('Направлення на імʼя Анна Марія Є.: 01EM-TC40-CAXX-E2HE');
  });
});

describe('renderMessage: invalid input', () => {
  const cases: [string, MessageInput, string][] = [
    [
      'prescription without number',
      { type: 'MEDICATION_REQUEST_CREATED', role: 'SUBJECT', verificationCode: CODE },
      'MISSING_NUMBER',
    ],
    [
      'prescription without code',
      { type: 'MEDICATION_REQUEST_CREATED', role: 'SUBJECT', number: RX_NUMBER },
      'MISSING_CODE',
    ],
    [
      'prescription with blank code',
      { type: 'MEDICATION_REQUEST_CREATED', role: 'SUBJECT', number: RX_NUMBER, verificationCode: '  ' },
      'MISSING_CODE',
    ],
    ['OTP without code', { type: 'AUTH_OTP', role: 'SUBJECT' }, 'MISSING_CODE'],
    [
      'OTP with a non-numeric code',
      { type: 'AUTH_OTP', role: 'SUBJECT', verificationCode: '48a1' },
      'INVALID_CODE',
    ],
    [
      'OTP with a too long code',
      { type: 'AUTH_OTP', role: 'SUBJECT', verificationCode: '123456789' },
      'INVALID_CODE',
    ],
    ['referral without number', { type: 'SERVICE_REQUEST_CREATED', role: 'SUBJECT' }, 'MISSING_NUMBER'],
    [
      'recall with blank number',
      { type: 'SERVICE_REQUEST_RECALLED', role: 'SUBJECT', number: ' ' },
      'MISSING_NUMBER',
    ],
    [
      'number with spaces inside',
      { type: 'CARE_PLAN_CREATED', role: 'SUBJECT', number: '0000 1111' },
      'INVALID_NUMBER',
    ],
    [
      'number with markup',
      { type: 'CARE_PLAN_CREATED', role: 'SUBJECT', number: '<b>1</b>' },
      'INVALID_NUMBER',
    ],
    [
      'too long number',
      { type: 'MEDICAL_CONCLUSION_CREATED', role: 'SUBJECT', number: 'A'.repeat(33) },
      'INVALID_NUMBER',
    ],
    [
      'representative without subject',
      { type: 'SERVICE_REQUEST_CREATED', role: 'REPRESENTATIVE', number: REFERRAL_NUMBER },
      'MISSING_SUBJECT',
    ],
    [
      'representative with blank first name',
      {
        type: 'AUTH_OTP',
        role: 'REPRESENTATIVE',
        verificationCode: CODE,
        subject: { firstName: ' ', lastName: 'Ковальчук' },
      },
      'MISSING_SUBJECT',
    ],
    [
      'impossible date',
      { type: 'SERVICE_REQUEST_CREATED', role: 'SUBJECT', number: REFERRAL_NUMBER, validUntil: '2025-02-30' },
      'INVALID_DATE',
    ],
    [
      'date in another format',
      { type: 'SERVICE_REQUEST_CREATED', role: 'SUBJECT', number: REFERRAL_NUMBER, validUntil: '31.12.2025' },
      'INVALID_DATE',
    ],
    ['unknown type', { type: 'DECLARATION_SIGNED' as NotificationType, role: 'SUBJECT' }, 'UNKNOWN_TYPE'],
    [
      'unknown role',
      { type: 'AUTH_OTP', role: 'DOCTOR' as RecipientRole, verificationCode: CODE },
      'UNKNOWN_ROLE',
    ],
  ];

  it.each(cases)('%s → %s', (_label, input, code) => {
    let caught: unknown;
    try {
      renderMessage(input);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(TemplateInputError);
    expect(caught).toBeInstanceOf(Error);
    expect(caught).toMatchObject({ name: 'TemplateInputError', code });
  });

  it.each(['48a1', '123456789', '٤٨٢١'])(
    'never puts the code %p into the error message',
    (verificationCode) => {
      const error = captureError({
        type: 'MEDICATION_REQUEST_CREATED',
        role: 'SUBJECT',
        number: RX_NUMBER,
        verificationCode,
      });
      expect(error.message).not.toContain(verificationCode);
      expect(String(error)).not.toContain(verificationCode);
      expect(JSON.stringify(error)).not.toContain(verificationCode);
    },
  );

  it('names the type and the field in the message, so logs stay useful', () => {
    const error = captureError({ type: 'MEDICATION_REQUEST_CREATED', role: 'SUBJECT', number: RX_NUMBER });
    expect(error.message).toBe('MEDICATION_REQUEST_CREATED: verificationCode is required');
  });

  it('accepts input for a type that does not need the code without one', () => {
    expect(() =>
      renderMessage({ type: 'SERVICE_REQUEST_CREATED', role: 'SUBJECT', number: REFERRAL_NUMBER }),
    ).not.toThrow();
  });
});

describe('requiredFields', () => {
  it.each(NOTIFICATION_TYPES)('%s', (type) => {
    expect(requiredFields(type)).toEqual({
      number: TYPES[type].number !== undefined,
      code: TYPES[type].showsCode,
    });
  });
});

function captureError(input: MessageInput): TemplateInputError {
  try {
    renderMessage(input);
  } catch (error) {
    if (error instanceof TemplateInputError) return error;
    throw error;
  }
  throw new Error('expected a TemplateInputError');
}
