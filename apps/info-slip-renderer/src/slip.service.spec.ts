import 'reflect-metadata';
import type { DeliveryCommand } from '@app/contracts';
import { CodeCipher, LOCAL_SECRETS } from '@app/platform';
import { SlipService, toSlipData } from './slip.service';

const mother = { firstName: 'Ґалина', lastName: 'Їжакевич-Єременко', secondName: 'Юріївна' };
const child = { firstName: 'Ілля', lastName: 'Їжакевич-Єременко', secondName: 'Андрійович' };

function command(overrides: Partial<DeliveryCommand> = {}): DeliveryCommand {
  return {
    deliveryId: '11111111-1111-4111-8111-111111111111',
    notificationId: '22222222-2222-4222-8222-222222222222',
    eventId: '33333333-3333-4333-8333-333333333333',
    type: 'MEDICATION_REQUEST_CREATED',
    channel: 'SLIP',
    remainingPlan: [],
    step: 1,
    recipient: { personId: '44444444-4444-4444-8444-444444444444', role: 'SUBJECT', name: child },
    content: {
      number: '0000-K8K5-5MTE-352H',
      sealedCode: 'v1.sealed',
      validFrom: '2026-11-23',
      validUntil: '2026-12-23',
      subjectName: child,
      subjectBirthDate: '2017-05-12',
      details: {
        medication: 'Сальбутамол',
        dosage: 'По 1 інгаляції',
        quantity: '1 балон',
        prescriber: 'Ґудзь Євгенія Ігорівна',
        facility: 'КНП «Дитяча міська поліклініка № 1»',
        service: 'Спірометрія',
        referringDoctor: 'Ковальчук Олег Петрович',
        diagnosis: 'never printed',
      },
    },
    occurredAt: '2026-11-23T10:15:00Z',
    ...overrides,
  };
}

describe('toSlipData', () => {
  it('prints an e-prescription for the subject: their name, the code, the prescription details', () => {
    expect(toSlipData(command(), '4821')).toEqual({
      kind: 'MEDICATION_REQUEST',
      number: '0000-K8K5-5MTE-352H',
      verificationCode: '4821',
      patient: { ...child, birthDate: '2017-05-12' },
      representative: undefined,
      validFrom: '2026-11-23',
      validUntil: '2026-12-23',
      issuedAt: '2026-11-23T10:15:00Z',
      details: {
        medication: 'Сальбутамол',
        dosage: 'По 1 інгаляції',
        quantity: '1 балон',
        prescriber: 'Ґудзь Євгенія Ігорівна',
        facility: 'КНП «Дитяча міська поліклініка № 1»',
      },
    });
  });

  it('names the representative beside the patient when the slip goes to one', () => {
    const data = toSlipData(
      command({
        recipient: { personId: '55555555-5555-4555-8555-555555555555', role: 'REPRESENTATIVE', name: mother },
      }),
      '4821',
    );
    expect(data.patient).toEqual({ ...child, birthDate: '2017-05-12' });
    expect(data.representative).toEqual(mother);
  });

  it('prints a referral with the referral details only', () => {
    const data = toSlipData(command({ type: 'SERVICE_REQUEST_CREATED' }), undefined);
    expect(data.kind).toBe('SERVICE_REQUEST');
    expect(data.verificationCode).toBeUndefined();
    expect(data.details).toEqual({
      service: 'Спірометрія',
      referringDoctor: 'Ковальчук Олег Петрович',
      facility: 'КНП «Дитяча міська поліклініка № 1»',
    });
  });

  it('copes with a command without details', () => {
    const base = command();
    const data = toSlipData({ ...base, content: { ...base.content, details: undefined } }, undefined);
    expect(data.details).toEqual({
      medication: undefined,
      dosage: undefined,
      quantity: undefined,
      prescriber: undefined,
      facility: undefined,
    });
  });
});

describe('SlipService.triage', () => {
  const cipher = new CodeCipher(LOCAL_SECRETS.CODE_ENCRYPTION_KEY);
  // triage renders only: it never touches the database (the write is covered by test/slip.int-spec.ts).
  const service = new SlipService(
    ...([
      undefined,
      undefined,
      cipher,
      undefined,
      { RETENTION_HOURS: 1 },
      { warn: jest.fn() },
    ] as unknown as ConstructorParameters<typeof SlipService>),
  );

  it('refuses slips that can never print, with the reason, and keeps the rest', async () => {
    const printable = command({
      eventId: '55555555-5555-4555-8555-555555555555',
      content: { ...command().content, sealedCode: cipher.seal('4821') },
    });
    const { printable: kept, unprintable } = await service.triage([
      command({ type: 'AUTH_OTP' }),
      command({
        eventId: '66666666-6666-4666-8666-666666666666',
        content: { ...command().content, sealedCode: 'v1.not-sealed-with-our-key' },
      }),
      printable,
    ]);
    expect(kept).toEqual([printable]);
    expect(unprintable.map(({ command: refused, reason }) => [refused.eventId, reason])).toEqual([
      ['33333333-3333-4333-8333-333333333333', 'SLIP_NOT_FOR_THIS_TYPE'],
      ['66666666-6666-4666-8666-666666666666', 'SEALED_CODE_UNREADABLE'],
    ]);
  });
});
