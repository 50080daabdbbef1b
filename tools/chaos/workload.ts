import { randomUUID } from 'node:crypto';
import type { NotificationRequested, NotificationType, PersonSnapshot } from '@app/contracts';
import { offlineMethod, otpMethod, type SeededRandom, thirdPersonMethod } from '@app/testing';

/**
 * What a person is like at the providers (simulator / Diia stub behaviours) and in the registry. The
 * outcome each profile gets without faults is `expectedOutcome`; faults may legitimately change the path
 * (a Viber outage sends everyone to SMS), never the "exactly one terminal status" rule.
 */
export type Profile =
  | 'viber' // adult with OTP, no tax id: Viber delivers
  | 'diia' // adult with a tax id: Diia reads it (for the Diia types), else Viber
  | 'diia-not-found' // tax id unknown to Diia: → Viber
  | 'diia-unread' // Diia push sent, never read: report timeout → Viber
  | 'not-viber-user' // Viber rejects synchronously: → SMS
  | 'viber-undelivered' // Viber report Undelivered: → SMS
  | 'viber-no-report' // Viber never reports: report timeout → SMS
  | 'sms-undelivered' // not on Viber, SMS undelivered: FAILED
  | 'offline' // registered "by documents": slip for prescriptions and referrals, else SKIPPED
  | 'child' // under 14: reached through a parent (a 'viber' adult)
  | 'preperson'; // unidentified patient: SKIPPED

export const PROFILE_WEIGHTS: Record<Profile, number> = {
  viber: 38,
  diia: 18,
  'diia-not-found': 3,
  'diia-unread': 3,
  'not-viber-user': 10,
  'viber-undelivered': 6,
  'viber-no-report': 5,
  'sms-undelivered': 1,
  offline: 6,
  child: 8,
  preperson: 2,
};

const ADULT_TYPES: Record<NotificationType, number> = {
  AUTH_OTP: 30,
  MEDICATION_REQUEST_CREATED: 30,
  SERVICE_REQUEST_CREATED: 15,
  MEDICATION_REQUEST_REJECTED: 5,
  CARE_PLAN_CREATED: 5,
  SERVICE_REQUEST_CANCELLED: 5,
  SERVICE_REQUEST_RECALLED: 5,
  MEDICAL_CONCLUSION_CREATED: 5,
};
const SLIP_TYPES = new Set<NotificationType>(['MEDICATION_REQUEST_CREATED', 'SERVICE_REQUEST_CREATED']);
const DIIA_TYPES = new Set<NotificationType>([
  'MEDICATION_REQUEST_CREATED',
  'MEDICATION_REQUEST_REJECTED',
  'SERVICE_REQUEST_CREATED',
  'CARE_PLAN_CREATED',
]);
const CODE_TYPES = new Set<NotificationType>([
  'AUTH_OTP',
  'MEDICATION_REQUEST_CREATED',
  'SERVICE_REQUEST_CREATED',
]);

export type Behaviour = 'NOT_VIBER_USER' | 'UNDELIVERED' | 'NO_REPORT';

export interface ChaosPerson {
  snapshot: PersonSnapshot;
  profile: Profile;
  /** Own phone (OTP), if any. */
  phone?: string;
  /** Where phone messages for this person's events go: own phone, or the parent's for a child. */
  recipientPhone?: string;
  viber?: Behaviour;
  sms?: 'UNDELIVERED';
  diia?: 'NOT_FOUND' | 'SENT';
}

export interface ChaosEvent {
  eventId: string;
  type: NotificationType;
  subject: ChaosPerson;
  /** Fault-free outcome, e.g. `DELIVERED/VIBER`, `SLIP_READY`, `SKIPPED`. */
  expected: string;
  /** Seconds after this event's own publication to publish it again unchanged (idempotency), if at all. */
  republishAfterS?: number;
  /** The published message: built at publication time so occurredAt / expiresAt are real. */
  message?: NotificationRequested;
  publishedAt?: number;
}

export interface Workload {
  persons: ChaosPerson[];
  events: ChaosEvent[];
  /** Phones that must never receive anything (children's own, prepersons'). */
  untouchedPhones: Set<string>;
}

export interface WorkloadOptions {
  events: number;
  /** Share of events that are published a second time unchanged (same eventId). */
  republishShare: number;
  /** Expiry of codes (AUTH_OTP keeps its 300 s). */
  codeTtlSeconds: number;
}

const FIRST = [
  'Олена',
  'Андрій',
  'Марія',
  'Тарас',
  'Ірина',
  'Богдан',
  'Наталія',
  'Олексій',
  'Галина',
  'Юрій',
];
const LAST = ['Коваленко', 'Шевченко', 'Бондаренко', 'Мельник', 'Ткаченко', 'Гнатюк', 'Кравчук', 'Лисенко'];
const MIDDLE = ['Петрович', 'Іванівна', 'Миколайович', 'Степанівна', 'Олегович', 'Василівна'];
const OPERATORS = ['050', '063', '066', '067', '068', '073', '093', '095', '097', '099'];

/** Persons and events for one run; deterministic for a seed (ids apart). */
export function buildWorkload(random: SeededRandom, options: WorkloadOptions): Workload {
  const phones = new Set<string>();
  const taxIds = new Set<string>();
  const untouchedPhones = new Set<string>();
  const persons: ChaosPerson[] = [];
  const adults: ChaosPerson[] = [];

  const uniquePhone = () => {
    for (;;) {
      const phone = `+38${random.pick(OPERATORS)}${String(random.int(0, 9_999_999)).padStart(7, '0')}`;
      if (!phones.has(phone)) return (phones.add(phone), phone);
    }
  };
  const uniqueTaxId = () => {
    for (;;) {
      const taxId = String(random.int(1_000_000_000, 9_999_999_999));
      if (!taxIds.has(taxId)) return (taxIds.add(taxId), taxId);
    }
  };
  const name = () => ({
    firstName: random.pick(FIRST),
    lastName: random.pick(LAST),
    secondName: random.pick(MIDDLE),
  });
  const adultBirthDate = () => `${random.int(1945, 2004)}-0${random.int(1, 9)}-1${random.int(0, 9)}`;

  const snapshot = (fields: Partial<PersonSnapshot>): PersonSnapshot => ({
    id: randomUUID(),
    birthDate: adultBirthDate(),
    ...name(),
    verificationStatus: 'VERIFIED',
    phones: [],
    authenticationMethods: [],
    confidantPersons: [],
    updatedAt: new Date().toISOString(),
    ...fields,
  });

  const adult = (profile: Profile): ChaosPerson => {
    const phone = uniquePhone();
    const withTaxId = profile === 'diia' || profile === 'diia-not-found' || profile === 'diia-unread';
    const person: ChaosPerson = {
      profile,
      phone,
      recipientPhone: phone,
      snapshot: snapshot({
        ...(withTaxId ? { taxId: uniqueTaxId() } : { noTaxId: true }),
        phones: [{ type: 'MOBILE', number: phone }],
        authenticationMethods: [otpMethod(phone)],
      }),
    };
    if (profile === 'diia-not-found') person.diia = 'NOT_FOUND';
    if (profile === 'diia-unread') person.diia = 'SENT';
    if (profile === 'not-viber-user') person.viber = 'NOT_VIBER_USER';
    if (profile === 'viber-undelivered') person.viber = 'UNDELIVERED';
    if (profile === 'viber-no-report') person.viber = 'NO_REPORT';
    if (profile === 'sms-undelivered') {
      person.viber = 'NOT_VIBER_USER';
      person.sms = 'UNDELIVERED';
    }
    persons.push(person);
    adults.push(person);
    return person;
  };

  const newPerson = (profile: Profile): ChaosPerson => {
    if (profile === 'offline') {
      const person: ChaosPerson = {
        profile,
        snapshot: snapshot({ taxId: uniqueTaxId(), authenticationMethods: [offlineMethod()] }),
      };
      persons.push(person);
      return person;
    }
    if (profile === 'preperson') {
      const phone = uniquePhone();
      untouchedPhones.add(phone);
      const person: ChaosPerson = {
        profile,
        phone,
        snapshot: snapshot({
          firstName: 'Невідомий',
          lastName: 'Пацієнт',
          secondName: 'Невідомий',
          birthDate: '1970-01-01',
          verificationStatus: 'NOT_VERIFIED',
          isPreperson: true,
          phones: [{ type: 'MOBILE', number: phone }],
          authenticationMethods: [otpMethod(phone)],
        }),
      };
      persons.push(person);
      return person;
    }
    if (profile === 'child') {
      const parents = adults.filter((candidate) => candidate.profile === 'viber');
      const parent = parents.length > 0 && random.chance(0.3) ? random.pick(parents) : adult('viber');
      const phone = uniquePhone();
      untouchedPhones.add(phone);
      const person: ChaosPerson = {
        profile,
        phone,
        recipientPhone: parent.phone,
        snapshot: snapshot({
          birthDate: `${random.int(2015, 2021)}-0${random.int(1, 9)}-2${random.int(0, 8)}`,
          lastName: parent.snapshot.lastName,
          noTaxId: true,
          phones: [{ type: 'MOBILE', number: phone }],
          // The child's own OTP is older, so it would win if the under-14 rule did not hold.
          authenticationMethods: [
            otpMethod(phone, '2023-09-01T08:00:00.000Z'),
            thirdPersonMethod(parent.snapshot.id, '2023-09-02T08:00:00.000Z'),
          ],
          confidantPersons: [
            {
              personId: parent.snapshot.id,
              relationType: 'PRIMARY',
              verificationStatus: 'VERIFIED',
              documentsRelationship: [
                { type: 'BIRTH_CERTIFICATE', number: `І-ТП ${random.int(100000, 999999)}` },
              ],
            },
          ],
        }),
      };
      persons.push(person);
      return person;
    }
    return adult(profile);
  };

  const events: ChaosEvent[] = [];
  for (let index = 0; index < options.events; index++) {
    const reuse = persons.length > 0 && random.chance(0.35);
    const subject = reuse ? random.pick(persons) : newPerson(random.weighted(PROFILE_WEIGHTS));
    const type = eventType(random, subject.profile);
    events.push({
      eventId: randomUUID(),
      type,
      subject,
      expected: expectedOutcome(subject, type),
      ...(random.chance(options.republishShare) ? { republishAfterS: random.between(2, 10) } : {}),
    });
  }
  return { persons, events, untouchedPhones };
}

function eventType(random: SeededRandom, profile: Profile): NotificationType {
  if (profile === 'child' || profile === 'offline')
    return random.chance(0.9)
      ? random.pick(['MEDICATION_REQUEST_CREATED', 'SERVICE_REQUEST_CREATED'] as const)
      : 'MEDICAL_CONCLUSION_CREATED';
  return random.weighted(ADULT_TYPES);
}

/** The fault-free outcome (architecture.md §5–§6): informational, faults may change the path. */
export function expectedOutcome(subject: ChaosPerson, type: NotificationType): string {
  switch (subject.profile) {
    case 'preperson':
      return 'SKIPPED';
    case 'offline':
      return SLIP_TYPES.has(type) ? 'SLIP_READY' : 'SKIPPED';
    case 'sms-undelivered':
      return 'FAILED';
    case 'not-viber-user':
    case 'viber-undelivered':
    case 'viber-no-report':
      return 'DELIVERED/SMS';
    case 'diia':
      return DIIA_TYPES.has(type) ? 'DELIVERED/DIIA' : 'DELIVERED/VIBER';
    default:
      return 'DELIVERED/VIBER';
  }
}

/** The message for `event`, stamped now: codes expire `codeTtlSeconds` from now (AUTH_OTP: 300 s). */
export function buildMessage(
  event: ChaosEvent,
  random: SeededRandom,
  codeTtlSeconds: number,
): NotificationRequested {
  const now = Date.now();
  const ttl = event.type === 'AUTH_OTP' ? 300 : CODE_TYPES.has(event.type) ? codeTtlSeconds : 24 * 3600;
  const code = CODE_TYPES.has(event.type) ? String(random.int(1000, 9999)) : undefined;
  const block = () =>
    Array.from({ length: 4 }, () => random.pick([...'0123456789ABCDEFGHJKMNPQRSTUVWXYZ'])).join('');
  const day = (offset: number) => new Date(now + offset * 86_400_000).toISOString().slice(0, 10);
  const payload: NotificationRequested['payload'] = {
    ...(code ? { verificationCode: code } : {}),
  };
  if (event.type.startsWith('MEDICATION_REQUEST')) {
    Object.assign(payload, {
      number: `0000-${block()}-${block()}-${block()}`,
      validFrom: day(0),
      validUntil: day(30),
      details: {
        medication: 'Амлодипін, таблетки 5 мг',
        dosage: 'по 1 таблетці 1 раз на добу',
        quantity: '30 таблеток',
        prescriber: 'Петренко Оксана Василівна, лікар загальної практики',
        facility: 'КНП «Центр первинної медико-санітарної допомоги №1» м. Києва',
      },
    });
  } else if (event.type.startsWith('SERVICE_REQUEST')) {
    Object.assign(payload, {
      number: `${block()}-${block()}-${block()}-${block()}`,
      // One referral notification per encounter: each event is its own encounter here.
      encounterId: randomUUID(),
      validFrom: day(0),
      validUntil: day(90),
      details: {
        service: 'Консультація лікаря-кардіолога',
        referringDoctor: 'Петренко Оксана Василівна',
        facility: 'КНП «Центр первинної медико-санітарної допомоги №1» м. Києва',
      },
    });
  } else if (event.type !== 'AUTH_OTP') {
    payload.number = `${block()}-${block()}-${block()}-${block()}`;
  }
  return {
    eventId: event.eventId,
    type: event.type,
    occurredAt: new Date(now).toISOString(),
    subjectPersonId: event.subject.snapshot.id,
    expiresAt: new Date(now + ttl * 1000).toISOString(),
    payload,
  };
}
