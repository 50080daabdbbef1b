import { randomInt, randomUUID } from 'node:crypto';
import type {
  Channel,
  NotificationRequested,
  NotificationStatusCode,
  NotificationType,
  RecipientRole,
} from '@app/contracts';
import { adult, childOf, offlinePatient, preperson, type DemoPerson } from './people';

/** What a scenario must end as (architecture.md §4–§6). */
export interface Expectation {
  status: NotificationStatusCode;
  /** Channels in the order they were tried, e.g. ['DIIA', 'VIBER']; [] when nothing was sent. */
  path: Channel[];
  reason?: string;
  /** Who must receive it (person id, role and masked phone are checked). */
  recipient?: { person: DemoPerson; role: RecipientRole };
}

export interface Scenario {
  name: string;
  event: NotificationRequested;
  expect: Expectation;
  /** The code we sent, to prove it never shows up where it must not. */
  code?: string;
  /** Phones that must not have received anything (e.g. the child's own). */
  untouchedPhones?: string[];
  /** Download the slip after SLIP_READY. */
  downloadSlip?: boolean;
}

export interface Behaviours {
  viber: Record<string, string>;
  diia: Record<string, string>;
}

export interface DemoPlan {
  persons: DemoPerson[];
  behaviours: Behaviours;
  scenarios: Scenario[];
}

const code = () => String(randomInt(1000, 10_000));
const today = () => new Date().toISOString().slice(0, 10);
const daysFromNow = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
const block = () =>
  Array.from({ length: 4 }, () => '0123456789ABCDEFGHJKMNPQRSTUVWXYZ'[randomInt(33)]).join('');

function request(
  type: NotificationType,
  subject: DemoPerson,
  payload: NotificationRequested['payload'],
  ttlSeconds: number,
): NotificationRequested {
  return {
    eventId: randomUUID(),
    type,
    occurredAt: new Date().toISOString(),
    subjectPersonId: subject.snapshot.id,
    expiresAt: new Date(Date.now() + ttlSeconds * 1000).toISOString(),
    payload,
  };
}

function prescription(subject: DemoPerson, verificationCode: string): NotificationRequested {
  return request(
    'MEDICATION_REQUEST_CREATED',
    subject,
    {
      number: `0000-${block()}-${block()}-${block()}`,
      verificationCode,
      validFrom: today(),
      validUntil: daysFromNow(30),
      details: {
        medication: 'Амлодипін, таблетки 5 мг',
        dosage: 'по 1 таблетці 1 раз на добу',
        quantity: '30 таблеток',
        prescriber: 'Петренко Оксана Василівна, лікар загальної практики',
        facility: 'КНП «Центр первинної медико-санітарної допомоги №1» м. Києва',
      },
    },
    10 * 60,
  );
}

function referral(subject: DemoPerson, verificationCode: string, encounterId: string): NotificationRequested {
  return request(
    'SERVICE_REQUEST_CREATED',
    subject,
    {
      number: `${block()}-${block()}-${block()}-${block()}`,
      verificationCode,
      encounterId,
      validFrom: today(),
      validUntil: daysFromNow(90),
      details: {
        service: 'Консультація лікаря-кардіолога',
        referringDoctor: 'Петренко Оксана Василівна',
        facility: 'КНП «Центр первинної медико-санітарної допомоги №1» м. Києва',
      },
    },
    24 * 3600,
  );
}

function authOtp(subject: DemoPerson, verificationCode: string): NotificationRequested {
  return request('AUTH_OTP', subject, { verificationCode }, 300);
}

/** The cast and what each of their events must end as. Fresh ids and phones every run. */
export function buildDemoPlan(): DemoPlan {
  const olena = adult({ firstName: 'Олена', secondName: 'Петрівна', lastName: 'Коваленко' }, '1985-04-12', {
    taxId: true,
  });
  const andrii = adult(
    { firstName: 'Андрій', secondName: 'Миколайович', lastName: 'Шевченко' },
    '1979-09-30',
    { taxId: true },
  );
  const maria = adult({ firstName: 'Марія', secondName: 'Іванівна', lastName: 'Бондаренко' }, '1962-01-17', {
    taxId: false,
  });
  const taras = adult({ firstName: 'Тарас', secondName: 'Олегович', lastName: 'Мельник' }, '1991-06-05', {
    taxId: false,
  });
  const iryna = adult({ firstName: 'Ірина', secondName: 'Степанівна', lastName: 'Ткаченко' }, '1988-11-02', {
    taxId: false,
  });
  const sofia = childOf(
    iryna.snapshot,
    { firstName: 'Софія', secondName: 'Андріївна', lastName: 'Ткаченко' },
    '2016-03-14',
  );
  const petro = offlinePatient(
    { firstName: 'Петро', secondName: 'Васильович', lastName: 'Гнатюк' },
    '1948-02-23',
  );
  const unknown = preperson();

  const codes = Array.from({ length: 10 }, code);
  const encounterId = randomUUID();
  const subject = (person: DemoPerson) => ({ person, role: 'SUBJECT' as const });
  const scenarios: Scenario[] = [
    {
      name: 'e-Rx, adult with tax id → Diia read',
      event: prescription(olena, codes[0]),
      code: codes[0],
      expect: { status: 'DELIVERED', path: ['DIIA'], recipient: subject(olena) },
    },
    {
      name: 'e-Rx, Diia NOT_FOUND → Viber',
      event: prescription(andrii, codes[1]),
      code: codes[1],
      expect: { status: 'DELIVERED', path: ['DIIA', 'VIBER'], recipient: subject(andrii) },
    },
    {
      name: 'e-Rx, NOT_VIBER_USER → SMS',
      event: prescription(maria, codes[2]),
      code: codes[2],
      expect: { status: 'DELIVERED', path: ['VIBER', 'SMS'], recipient: subject(maria) },
    },
    {
      name: 'e-Rx, Viber UNDELIVERED → SMS',
      event: prescription(taras, codes[3]),
      code: codes[3],
      expect: { status: 'DELIVERED', path: ['VIBER', 'SMS'], recipient: subject(taras) },
    },
    {
      name: "child's e-Rx (10 y) → mother",
      event: prescription(sofia, codes[4]),
      code: codes[4],
      expect: { status: 'DELIVERED', path: ['VIBER'], recipient: { person: iryna, role: 'REPRESENTATIVE' } },
      untouchedPhones: [sofia.phone!],
    },
    {
      name: 'e-Rx, OFFLINE patient → slip',
      event: prescription(petro, codes[5]),
      code: codes[5],
      expect: { status: 'SLIP_READY', path: ['SLIP'], recipient: subject(petro) },
      downloadSlip: true,
    },
    {
      name: 'AUTH_OTP (has tax id) → Viber, no Diia',
      event: authOtp(olena, codes[6]),
      code: codes[6],
      expect: { status: 'DELIVERED', path: ['VIBER'], recipient: subject(olena) },
    },
    {
      name: 'preperson → skipped',
      event: prescription(unknown, codes[7]),
      code: codes[7],
      expect: { status: 'SKIPPED', path: [], reason: 'PREPERSON' },
      untouchedPhones: [unknown.phone!],
    },
    {
      name: 'referral, first for encounter',
      event: referral(olena, codes[8], encounterId),
      code: codes[8],
      expect: { status: 'DELIVERED', path: ['DIIA'], recipient: subject(olena) },
    },
    {
      name: 'referral, same encounter again',
      event: referral(olena, codes[9], encounterId),
      code: codes[9],
      expect: { status: 'SKIPPED', path: [], reason: 'DUPLICATE_ENCOUNTER' },
    },
  ];
  return {
    persons: [olena, andrii, maria, taras, iryna, sofia, petro, unknown],
    behaviours: {
      diia: { [olena.snapshot.taxId!]: 'READ', [andrii.snapshot.taxId!]: 'NOT_FOUND' },
      viber: {
        [andrii.phone!]: 'DELIVERED',
        [maria.phone!]: 'NOT_VIBER_USER',
        [taras.phone!]: 'UNDELIVERED',
        [iryna.phone!]: 'DELIVERED',
      },
    },
    scenarios,
  };
}
