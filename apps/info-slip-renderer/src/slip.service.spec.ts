import 'reflect-metadata';
import type { DeliveryCommand } from '@app/contracts';
import { AppMetrics, CodeCipher, LOCAL_SECRETS } from '@app/platform';
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

describe('SlipService.accept', () => {
  const cipher = new CodeCipher(LOCAL_SECRETS.CODE_ENCRYPTION_KEY);

  function serviceRecording(statusRows: unknown[][], metrics = new AppMetrics('info-slip-renderer')) {
    const manager = {
      query: async (sql: string, params: unknown[][]) => {
        if (!sql.includes('notification_status_log')) return sql.includes('RETURNING') ? [{ id: '1' }] : [];
        // One statement per batch, one array per column: event_id, notification_id, status, channel, reason, ...
        const [eventIds, , statuses, , reasons, , isTerminal] = params;
        eventIds.forEach((eventId, index) => statusRows.push([eventId, statuses[index], reasons[index]]));
        // As the database does with no conflicting row: every terminal status of the batch is taken.
        return eventIds
          .map((eventId, index) => ({ event_id: eventId, status: statuses[index] }))
          .filter((_row, index) => isTerminal[index]);
      },
    };
    const dataSource = { transaction: (work: (m: typeof manager) => Promise<unknown>) => work(manager) };
    const deps = [
      dataSource,
      { kick: jest.fn() },
      cipher,
      metrics,
      { RETENTION_HOURS: 1 },
      { warn: jest.fn() },
    ];
    return new SlipService(...(deps as unknown as ConstructorParameters<typeof SlipService>));
  }

  it('ends a slip that can never print as FAILED with the reason, and prints the rest', async () => {
    const statusRows: unknown[][] = [];
    const metrics = new AppMetrics('info-slip-renderer');
    const printable = command({
      eventId: '55555555-5555-4555-8555-555555555555',
      content: { ...command().content, sealedCode: cipher.seal('4821') },
    });
    await serviceRecording(statusRows, metrics).accept([
      command({ type: 'AUTH_OTP' }),
      command({
        eventId: '66666666-6666-4666-8666-666666666666',
        content: { ...command().content, sealedCode: 'v1.not-sealed-with-our-key' },
      }),
      printable,
    ]);
    expect(statusRows).toEqual([
      ['55555555-5555-4555-8555-555555555555', 'SLIP_READY', null],
      ['33333333-3333-4333-8333-333333333333', 'FAILED', 'SLIP_NOT_FOR_THIS_TYPE'],
      ['66666666-6666-4666-8666-666666666666', 'FAILED', 'SEALED_CODE_UNREADABLE'],
    ]);
    // Each terminal status is timed end to end (from the command's occurredAt), by type and status.
    const timed = (await metrics.endToEnd.get()).values as {
      value: number;
      labels: Record<string, string>;
      metricName?: string;
    }[];
    const counts = timed.filter((value) => value.metricName?.endsWith('_count'));
    expect(counts.map((value) => [value.labels.type, value.labels.status, value.value])).toEqual([
      ['MEDICATION_REQUEST_CREATED', 'SLIP_READY', 1],
      ['AUTH_OTP', 'FAILED', 1],
      ['MEDICATION_REQUEST_CREATED', 'FAILED', 1],
    ]);
  });
});
