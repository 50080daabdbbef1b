import { resolveRecipient } from './resolve-recipient';
import {
  DEFAULT_RESOLUTION_CONFIG,
  type AuthenticationMethodRecord,
  type Channel,
  type ConfidantRelationshipRecord,
  type NotificationType,
  type PersonRecord,
  type ResolutionConfig,
  type ResolutionDecision,
} from './resolution.types';

// 15 June 2025, 12:00 in Kyiv.
const NOW = new Date('2025-06-15T09:00:00Z');
const YESTERDAY = '2025-06-14';
const TODAY = '2025-06-15';

// ---------- builders ----------

function person(id: string, overrides: Partial<PersonRecord> = {}): PersonRecord {
  return {
    id,
    birthDate: '1985-03-02',
    firstName: 'Олена',
    lastName: `Прізвище-${id}`,
    verificationStatus: 'VERIFIED',
    authenticationMethods: [],
    confidantPersons: [],
    ...overrides,
  };
}

/** The n-th day of January 2024, to order methods by when they were added. */
function addedOnDay(n: number): string {
  return `2024-01-${String(n).padStart(2, '0')}T10:00:00Z`;
}

function method(
  id: string,
  type: AuthenticationMethodRecord['type'],
  overrides: Partial<AuthenticationMethodRecord>,
): AuthenticationMethodRecord {
  return { id, type, isActive: true, startedAt: addedOnDay(1), insertedAt: addedOnDay(1), ...overrides };
}

const otp = (id: string, overrides: Partial<AuthenticationMethodRecord> = {}) =>
  method(id, 'OTP', { phoneNumber: '+380931234585', ...overrides });
const offline = (id: string, overrides: Partial<AuthenticationMethodRecord> = {}) =>
  method(id, 'OFFLINE', overrides);
const na = (id: string, overrides: Partial<AuthenticationMethodRecord> = {}) => method(id, 'NA', overrides);
const thirdPerson = (id: string, confidantId: string, overrides: Partial<AuthenticationMethodRecord> = {}) =>
  method(id, 'THIRD_PERSON', { value: confidantId, alias: 'мама', ...overrides });

function representedBy(
  confidantId: string,
  overrides: Partial<ConfidantRelationshipRecord> = {},
): ConfidantRelationshipRecord {
  return {
    personId: confidantId,
    relationType: 'PRIMARY',
    verificationStatus: 'VERIFIED',
    documentsRelationship: [{ type: 'BIRTH_CERTIFICATE', number: 'І-АБ 123456' }],
    ...overrides,
  };
}

/** A 10-year-old whose only method is THIRD_PERSON through `confidantId`. */
function childRepresentedBy(
  confidantId: string,
  relationship: Partial<ConfidantRelationshipRecord> = {},
  childOverrides: Partial<PersonRecord> = {},
): PersonRecord {
  return person('child', {
    birthDate: '2015-01-10',
    authenticationMethods: [thirdPerson(`child-via-${confidantId}`, confidantId)],
    confidantPersons: [representedBy(confidantId, relationship)],
    ...childOverrides,
  });
}

const mother = person('mother', {
  taxId: '3012345678',
  authenticationMethods: [otp('mother-otp', { phoneNumber: '+380501112233' })],
});
const father = person('father', { authenticationMethods: [offline('father-offline')] });
const grandmother = person('grandmother', {
  birthDate: '1958-09-09',
  authenticationMethods: [otp('grandmother-otp', { phoneNumber: '+380671112233' })],
});

// ---------- table runner ----------

interface Case {
  name: string;
  subject: PersonRecord | undefined;
  people?: PersonRecord[];
  type?: NotificationType;
  informWith?: string;
  notificationsDisabled?: boolean;
  config?: Partial<ResolutionConfig>;
  now?: Date;
  expected: Expected;
}

interface Expected {
  outcome: ResolutionDecision['outcome'];
  reason?: string;
  /** `${role} ${personId}` */
  recipient?: string;
  methodId?: string;
  via?: string;
  plan?: Channel[];
  /** `${stage} ${methodId} ${verdict} ${why}`, in order */
  steps: string[];
}

function run(testCase: Case): ResolutionDecision {
  const people = new Map([mother, father, grandmother, ...(testCase.people ?? [])].map((p) => [p.id, p]));
  return resolveRecipient(
    testCase.subject,
    (id) => people.get(id),
    {
      eventId: 'event-1',
      type: testCase.type ?? 'MEDICATION_REQUEST_CREATED',
      subjectPersonId: testCase.subject?.id ?? 'missing',
      ...(testCase.informWith ? { informWith: { authMethodId: testCase.informWith } } : {}),
      payload: { notificationsDisabled: testCase.notificationsDisabled },
    },
    { ...DEFAULT_RESOLUTION_CONFIG, ...testCase.config },
    testCase.now ?? NOW,
  );
}

function summarize(decision: ResolutionDecision): Expected {
  return {
    outcome: decision.outcome,
    ...(decision.outcome !== 'RESOLVED' ? { reason: decision.reason } : { plan: decision.plan }),
    ...(decision.recipient ? { recipient: `${decision.recipient.role} ${decision.recipient.personId}` } : {}),
    ...(decision.method ? { methodId: decision.method.id } : {}),
    ...(decision.method?.via ? { via: decision.method.via } : {}),
    steps: decision.explanation.map((step) => `${step.stage} ${step.methodId} ${step.verdict} ${step.why}`),
  };
}

function runTable(cases: Case[]): void {
  it.each(cases.map((testCase) => [testCase.name, testCase] as const))('%s', (_, testCase) => {
    const decision = run(testCase);
    expect(summarize(decision)).toEqual(testCase.expected);
    expect(JSON.stringify(decision.explanation)).not.toMatch(/\+?380\d/);
  });
}

// ---------- cases ----------

describe('resolveRecipient', () => {
  describe('adults with their own methods', () => {
    runTable([
      {
        name: 'adult with OTP and a tax id: Diia, Viber, SMS to the own phone',
        subject: person('patient', { taxId: '2987654321', authenticationMethods: [otp('patient-otp')] }),
        expected: {
          outcome: 'RESOLVED',
          recipient: 'SUBJECT patient',
          methodId: 'patient-otp',
          plan: ['DIIA', 'VIBER', 'SMS'],
          steps: ['DEFAULT_ORDER patient-otp CHOSEN FIRST_IN_DEFAULT_ORDER'],
        },
      },
      {
        name: 'adult with OFFLINE added before OTP: OTP wins by rule order',
        subject: person('patient', {
          authenticationMethods: [
            offline('patient-offline', { insertedAt: addedOnDay(1) }),
            otp('patient-otp', { insertedAt: addedOnDay(2) }),
          ],
        }),
        expected: {
          outcome: 'RESOLVED',
          recipient: 'SUBJECT patient',
          methodId: 'patient-otp',
          plan: ['VIBER', 'SMS'],
          steps: [
            'DEFAULT_ORDER patient-offline REJECTED LOWER_PRIORITY',
            'DEFAULT_ORDER patient-otp CHOSEN FIRST_IN_DEFAULT_ORDER',
          ],
        },
      },
      {
        name: 'adult with OFFLINE only, e-prescription: information slip',
        subject: person('patient', {
          taxId: '2987654321',
          authenticationMethods: [offline('patient-offline')],
        }),
        expected: {
          outcome: 'RESOLVED',
          recipient: 'SUBJECT patient',
          methodId: 'patient-offline',
          plan: ['SLIP'],
          steps: ['DEFAULT_ORDER patient-offline CHOSEN FIRST_IN_DEFAULT_ORDER'],
        },
      },
      {
        name: 'adult with OFFLINE only, AUTH_OTP: skipped, nobody to text',
        subject: person('patient', { authenticationMethods: [offline('patient-offline')] }),
        type: 'AUTH_OTP',
        expected: {
          outcome: 'SKIPPED',
          reason: 'OFFLINE_RECIPIENT',
          recipient: 'SUBJECT patient',
          methodId: 'patient-offline',
          steps: ['DEFAULT_ORDER patient-offline CHOSEN FIRST_IN_DEFAULT_ORDER'],
        },
      },
      {
        name: 'own OFFLINE beats a representative with OTP (no fallback to THIRD_PERSON for AUTH_OTP)',
        subject: person('patient', {
          authenticationMethods: [
            thirdPerson('patient-via-mother', 'mother', { insertedAt: addedOnDay(1) }),
            offline('patient-offline', { insertedAt: addedOnDay(2) }),
          ],
          confidantPersons: [representedBy('mother')],
        }),
        type: 'AUTH_OTP',
        expected: {
          outcome: 'SKIPPED',
          reason: 'OFFLINE_RECIPIENT',
          recipient: 'SUBJECT patient',
          methodId: 'patient-offline',
          steps: [
            'DEFAULT_ORDER patient-via-mother REJECTED LOWER_PRIORITY',
            'DEFAULT_ORDER patient-offline CHOSEN FIRST_IN_DEFAULT_ORDER',
          ],
        },
      },
      {
        name: 'inactive OTP is passed over for OFFLINE',
        subject: person('patient', {
          authenticationMethods: [otp('patient-otp', { isActive: false }), offline('patient-offline')],
        }),
        expected: {
          outcome: 'RESOLVED',
          recipient: 'SUBJECT patient',
          methodId: 'patient-offline',
          plan: ['SLIP'],
          steps: [
            'DEFAULT_ORDER patient-otp REJECTED INACTIVE',
            'DEFAULT_ORDER patient-offline CHOSEN FIRST_IN_DEFAULT_ORDER',
          ],
        },
      },
      {
        name: 'OTP ended a second ago is ended',
        subject: person('patient', {
          authenticationMethods: [otp('patient-otp', { endedAt: '2025-06-15T08:59:59Z' })],
        }),
        expected: {
          outcome: 'FAILED',
          reason: 'NO_AUTH_METHOD',
          steps: ['DEFAULT_ORDER patient-otp REJECTED ENDED'],
        },
      },
      {
        name: 'OTP with an end date still ahead is used',
        subject: person('patient', {
          authenticationMethods: [otp('patient-otp', { endedAt: '2025-06-15T09:00:01Z' })],
        }),
        expected: {
          outcome: 'RESOLVED',
          recipient: 'SUBJECT patient',
          methodId: 'patient-otp',
          plan: ['VIBER', 'SMS'],
          steps: ['DEFAULT_ORDER patient-otp CHOSEN FIRST_IN_DEFAULT_ORDER'],
        },
      },
      {
        name: 'OTP without a phone number cannot be used',
        subject: person('patient', {
          authenticationMethods: [otp('patient-otp', { phoneNumber: undefined })],
        }),
        expected: {
          outcome: 'FAILED',
          reason: 'NO_AUTH_METHOD',
          steps: ['DEFAULT_ORDER patient-otp REJECTED OTP_WITHOUT_PHONE'],
        },
      },
      {
        name: 'NA-only subject: no method',
        subject: person('patient', { authenticationMethods: [na('patient-na')] }),
        expected: {
          outcome: 'FAILED',
          reason: 'NO_AUTH_METHOD',
          steps: ['DEFAULT_ORDER patient-na REJECTED NA_NEVER_USED'],
        },
      },
      {
        name: 'subject without any method',
        subject: person('patient'),
        expected: { outcome: 'FAILED', reason: 'NO_AUTH_METHOD', steps: [] },
      },
    ]);
  });

  describe('subjects who are not notified at all', () => {
    runTable([
      {
        name: 'unknown subject (the wait for the snapshot is over)',
        subject: undefined,
        expected: { outcome: 'FAILED', reason: 'UNKNOWN_PERSON', steps: [] },
      },
      {
        name: 'preperson, even with an OTP',
        subject: person('patient', { isPreperson: true, authenticationMethods: [otp('patient-otp')] }),
        expected: { outcome: 'SKIPPED', reason: 'PREPERSON', steps: [] },
      },
      {
        name: 'medical program opted out of notifications',
        subject: person('patient', { authenticationMethods: [otp('patient-otp')] }),
        notificationsDisabled: true,
        expected: { outcome: 'SKIPPED', reason: 'NOTIFICATIONS_DISABLED', steps: [] },
      },
    ]);
  });

  describe('age of the subject', () => {
    const teen = (birthDate: string) =>
      person('teen', {
        birthDate,
        authenticationMethods: [
          thirdPerson('teen-via-mother', 'mother', { insertedAt: addedOnDay(1) }),
          otp('teen-otp', { insertedAt: addedOnDay(2) }),
        ],
        confidantPersons: [representedBy('mother')],
      });

    runTable([
      {
        name: 'child of 10 with an own OTP: ignored, the parent receives',
        subject: childRepresentedBy(
          'mother',
          {},
          {
            authenticationMethods: [
              otp('child-otp', { insertedAt: addedOnDay(1) }),
              thirdPerson('child-via-mother', 'mother', { insertedAt: addedOnDay(2) }),
            ],
          },
        ),
        expected: {
          outcome: 'RESOLVED',
          recipient: 'REPRESENTATIVE mother',
          methodId: 'mother-otp',
          via: 'child-via-mother',
          plan: ['DIIA', 'VIBER', 'SMS'],
          steps: [
            'DEFAULT_ORDER child-otp REJECTED SUBJECT_UNDER_14',
            'DEFAULT_ORDER child-via-mother CHOSEN FIRST_IN_DEFAULT_ORDER',
          ],
        },
      },
      {
        name: 'child of 10 with an own OFFLINE only: ignored too',
        subject: childRepresentedBy('mother', {}, { authenticationMethods: [offline('child-offline')] }),
        expected: {
          outcome: 'FAILED',
          reason: 'NO_AUTH_METHOD',
          steps: ['DEFAULT_ORDER child-offline REJECTED SUBJECT_UNDER_14'],
        },
      },
      {
        name: 'turns 14 today: own OTP',
        subject: teen('2011-06-15'),
        expected: {
          outcome: 'RESOLVED',
          recipient: 'SUBJECT teen',
          methodId: 'teen-otp',
          plan: ['VIBER', 'SMS'],
          steps: [
            'DEFAULT_ORDER teen-via-mother REJECTED LOWER_PRIORITY',
            'DEFAULT_ORDER teen-otp CHOSEN FIRST_IN_DEFAULT_ORDER',
          ],
        },
      },
      {
        name: 'turns 14 tomorrow: still through the parent',
        subject: teen('2011-06-16'),
        expected: {
          outcome: 'RESOLVED',
          recipient: 'REPRESENTATIVE mother',
          methodId: 'mother-otp',
          via: 'teen-via-mother',
          plan: ['DIIA', 'VIBER', 'SMS'],
          steps: [
            'DEFAULT_ORDER teen-via-mother CHOSEN FIRST_IN_DEFAULT_ORDER',
            'DEFAULT_ORDER teen-otp REJECTED SUBJECT_UNDER_14',
          ],
        },
      },
      {
        name: 'turns 14 at Kyiv midnight, while it is still the day before in UTC: own OTP',
        subject: teen('2011-06-15'),
        now: new Date('2025-06-14T21:30:00Z'),
        expected: {
          outcome: 'RESOLVED',
          recipient: 'SUBJECT teen',
          methodId: 'teen-otp',
          plan: ['VIBER', 'SMS'],
          steps: [
            'DEFAULT_ORDER teen-via-mother REJECTED LOWER_PRIORITY',
            'DEFAULT_ORDER teen-otp CHOSEN FIRST_IN_DEFAULT_ORDER',
          ],
        },
      },
      {
        name: 'teen of 16 with an own phone: own OTP before the parent',
        subject: teen('2009-01-20'),
        expected: {
          outcome: 'RESOLVED',
          recipient: 'SUBJECT teen',
          methodId: 'teen-otp',
          plan: ['VIBER', 'SMS'],
          steps: [
            'DEFAULT_ORDER teen-via-mother REJECTED LOWER_PRIORITY',
            'DEFAULT_ORDER teen-otp CHOSEN FIRST_IN_DEFAULT_ORDER',
          ],
        },
      },
      {
        name: 'the adult age comes from config',
        subject: teen('2009-01-20'),
        config: { adultAge: 18 },
        expected: {
          outcome: 'RESOLVED',
          recipient: 'REPRESENTATIVE mother',
          methodId: 'mother-otp',
          via: 'teen-via-mother',
          plan: ['DIIA', 'VIBER', 'SMS'],
          steps: [
            'DEFAULT_ORDER teen-via-mother CHOSEN FIRST_IN_DEFAULT_ORDER',
            'DEFAULT_ORDER teen-otp REJECTED SUBJECT_UNDER_14',
          ],
        },
      },
      {
        name: 'incapacitated adult with only a THIRD_PERSON guardian',
        subject: person('ward', {
          birthDate: '1960-04-04',
          authenticationMethods: [thirdPerson('ward-via-guardian', 'guardian', { alias: 'опікун' })],
          confidantPersons: [
            representedBy('guardian', {
              documentsRelationship: [{ type: 'COURT_DECISION', number: '2-123/2024' }],
            }),
          ],
        }),
        people: [person('guardian', { authenticationMethods: [otp('guardian-otp')] })],
        expected: {
          outcome: 'RESOLVED',
          recipient: 'REPRESENTATIVE guardian',
          methodId: 'guardian-otp',
          via: 'ward-via-guardian',
          plan: ['VIBER', 'SMS'],
          steps: ['DEFAULT_ORDER ward-via-guardian CHOSEN FIRST_IN_DEFAULT_ORDER'],
        },
      },
    ]);
  });

  describe('choosing among representatives', () => {
    runTable([
      {
        name: 'offline father added first, OTP mother second: the OTP one wins by rule order',
        subject: person('child', {
          birthDate: '2015-01-10',
          authenticationMethods: [
            thirdPerson('child-via-father', 'father', { alias: 'тато', insertedAt: addedOnDay(1) }),
            thirdPerson('child-via-mother', 'mother', { insertedAt: addedOnDay(2) }),
          ],
          confidantPersons: [representedBy('father'), representedBy('mother', { relationType: 'SECONDARY' })],
        }),
        expected: {
          outcome: 'RESOLVED',
          recipient: 'REPRESENTATIVE mother',
          methodId: 'mother-otp',
          via: 'child-via-mother',
          plan: ['DIIA', 'VIBER', 'SMS'],
          steps: [
            'DEFAULT_ORDER child-via-father REJECTED LOWER_PRIORITY',
            'DEFAULT_ORDER child-via-mother CHOSEN FIRST_IN_DEFAULT_ORDER',
          ],
        },
      },
      {
        name: 'two OTP representatives: the first added wins, whatever the array order',
        subject: person('child', {
          birthDate: '2015-01-10',
          authenticationMethods: [
            thirdPerson('child-via-grandmother', 'grandmother', { insertedAt: addedOnDay(5) }),
            thirdPerson('child-via-mother', 'mother', { insertedAt: addedOnDay(3) }),
          ],
          confidantPersons: [representedBy('grandmother'), representedBy('mother')],
        }),
        expected: {
          outcome: 'RESOLVED',
          recipient: 'REPRESENTATIVE mother',
          methodId: 'mother-otp',
          via: 'child-via-mother',
          plan: ['DIIA', 'VIBER', 'SMS'],
          steps: [
            'DEFAULT_ORDER child-via-mother CHOSEN FIRST_IN_DEFAULT_ORDER',
            'DEFAULT_ORDER child-via-grandmother REJECTED LOWER_PRIORITY',
          ],
        },
      },
      {
        name: 'only an offline representative, e-prescription: slip for the father',
        subject: childRepresentedBy('father'),
        expected: {
          outcome: 'RESOLVED',
          recipient: 'REPRESENTATIVE father',
          methodId: 'father-offline',
          via: 'child-via-father',
          plan: ['SLIP'],
          steps: ['DEFAULT_ORDER child-via-father CHOSEN FIRST_IN_DEFAULT_ORDER'],
        },
      },
      {
        name: 'only an offline representative, AUTH_OTP: skipped',
        subject: childRepresentedBy('father'),
        type: 'AUTH_OTP',
        expected: {
          outcome: 'SKIPPED',
          reason: 'OFFLINE_RECIPIENT',
          recipient: 'REPRESENTATIVE father',
          methodId: 'father-offline',
          via: 'child-via-father',
          steps: ['DEFAULT_ORDER child-via-father CHOSEN FIRST_IN_DEFAULT_ORDER'],
        },
      },
      {
        name: "the confidant's OTP is preferred even when their OFFLINE was added first",
        subject: childRepresentedBy('aunt'),
        people: [
          person('aunt', {
            authenticationMethods: [
              offline('aunt-offline', { insertedAt: addedOnDay(1) }),
              otp('aunt-otp', { insertedAt: addedOnDay(2) }),
            ],
          }),
        ],
        expected: {
          outcome: 'RESOLVED',
          recipient: 'REPRESENTATIVE aunt',
          methodId: 'aunt-otp',
          via: 'child-via-aunt',
          plan: ['VIBER', 'SMS'],
          steps: ['DEFAULT_ORDER child-via-aunt CHOSEN FIRST_IN_DEFAULT_ORDER'],
        },
      },
      {
        name: "the confidant's inactive OTP is skipped for their OFFLINE",
        subject: childRepresentedBy('aunt'),
        people: [
          person('aunt', {
            authenticationMethods: [otp('aunt-otp', { isActive: false }), offline('aunt-offline')],
          }),
        ],
        expected: {
          outcome: 'RESOLVED',
          recipient: 'REPRESENTATIVE aunt',
          methodId: 'aunt-offline',
          via: 'child-via-aunt',
          plan: ['SLIP'],
          steps: ['DEFAULT_ORDER child-via-aunt CHOSEN FIRST_IN_DEFAULT_ORDER'],
        },
      },
    ]);
  });

  describe('THIRD_PERSON checks (contract §5.5)', () => {
    const noMethod = (why: string, methodId = 'child-via-mother'): Expected => ({
      outcome: 'FAILED',
      reason: 'NO_AUTH_METHOD',
      steps: [`DEFAULT_ORDER ${methodId} REJECTED ${why}`],
    });
    const viaMother: Expected = {
      outcome: 'RESOLVED',
      recipient: 'REPRESENTATIVE mother',
      methodId: 'mother-otp',
      via: 'child-via-mother',
      plan: ['DIIA', 'VIBER', 'SMS'],
      steps: ['DEFAULT_ORDER child-via-mother CHOSEN FIRST_IN_DEFAULT_ORDER'],
    };

    runTable([
      {
        name: 'inactive THIRD_PERSON method',
        subject: childRepresentedBy(
          'mother',
          {},
          {
            authenticationMethods: [thirdPerson('child-via-mother', 'mother', { isActive: false })],
          },
        ),
        expected: noMethod('INACTIVE'),
      },
      {
        name: 'ended THIRD_PERSON method',
        subject: childRepresentedBy(
          'mother',
          {},
          {
            authenticationMethods: [
              thirdPerson('child-via-mother', 'mother', { endedAt: '2025-06-01T00:00:00Z' }),
            ],
          },
        ),
        expected: noMethod('ENDED'),
      },
      {
        name: 'relationship expired yesterday',
        subject: childRepresentedBy('mother', { activeTo: YESTERDAY }),
        expected: noMethod('RELATIONSHIP_EXPIRED'),
      },
      {
        name: 'relationship whose last day is today still holds',
        subject: childRepresentedBy('mother', { activeTo: TODAY }),
        expected: viaMother,
      },
      {
        name: 'an expired and a renewed relationship with the same confidant: the renewed one counts',
        subject: childRepresentedBy(
          'mother',
          {},
          {
            confidantPersons: [representedBy('mother', { activeTo: '2024-12-31' }), representedBy('mother')],
          },
        ),
        expected: viaMother,
      },
      {
        name: 'relationship still needs verification',
        subject: childRepresentedBy('mother', { verificationStatus: 'VERIFICATION_NEEDED' }),
        expected: noMethod('RELATIONSHIP_NOT_VERIFIED'),
      },
      {
        name: 'unverified relationship is accepted when the config does not require verification',
        subject: childRepresentedBy('mother', { verificationStatus: 'VERIFICATION_NEEDED' }),
        config: { requireVerifiedRelationship: false },
        expected: viaMother,
      },
      {
        name: 'rejected relationship is refused even when verification is not required',
        subject: childRepresentedBy('mother', { verificationStatus: 'REJECTED' }),
        config: { requireVerifiedRelationship: false },
        expected: noMethod('RELATIONSHIP_REJECTED'),
      },
      {
        name: 'the subject does not list the confidant at all',
        subject: childRepresentedBy('mother', {}, { confidantPersons: [representedBy('father')] }),
        expected: noMethod('NO_RELATIONSHIP'),
      },
      {
        name: 'confidant of 17 (turns 18 tomorrow)',
        subject: childRepresentedBy('brother'),
        people: [person('brother', { birthDate: '2007-06-16', authenticationMethods: [otp('brother-otp')] })],
        expected: noMethod('CONFIDANT_UNDER_AGE', 'child-via-brother'),
      },
      {
        name: 'confidant who turns 18 today',
        subject: childRepresentedBy('brother'),
        people: [person('brother', { birthDate: '2007-06-15', authenticationMethods: [otp('brother-otp')] })],
        expected: {
          outcome: 'RESOLVED',
          recipient: 'REPRESENTATIVE brother',
          methodId: 'brother-otp',
          via: 'child-via-brother',
          plan: ['VIBER', 'SMS'],
          steps: ['DEFAULT_ORDER child-via-brother CHOSEN FIRST_IN_DEFAULT_ORDER'],
        },
      },
      {
        name: 'unknown confidant',
        subject: childRepresentedBy('stranger'),
        expected: noMethod('CONFIDANT_UNKNOWN', 'child-via-stranger'),
      },
      {
        name: 'THIRD_PERSON without a confidant id',
        subject: childRepresentedBy(
          'mother',
          {},
          {
            authenticationMethods: [thirdPerson('child-via-mother', 'mother', { value: undefined })],
          },
        ),
        expected: noMethod('CONFIDANT_UNKNOWN'),
      },
      {
        name: 'confidant is a preperson',
        subject: childRepresentedBy('unidentified'),
        people: [
          person('unidentified', { isPreperson: true, authenticationMethods: [otp('unidentified-otp')] }),
        ],
        expected: noMethod('CONFIDANT_PREPERSON', 'child-via-unidentified'),
      },
      {
        name: 'no chains: a confidant with only NA and their own THIRD_PERSON is rejected',
        subject: childRepresentedBy('stepfather'),
        people: [
          person('stepfather', {
            authenticationMethods: [
              na('stepfather-na'),
              thirdPerson('stepfather-via-grandmother', 'grandmother'),
            ],
            confidantPersons: [representedBy('grandmother')],
          }),
        ],
        expected: noMethod('CONFIDANT_HAS_NO_OWN_METHOD', 'child-via-stepfather'),
      },
      {
        name: 'a confidant whose own OTP has ended has no method',
        subject: childRepresentedBy('aunt'),
        people: [
          person('aunt', { authenticationMethods: [otp('aunt-otp', { endedAt: '2025-01-01T00:00:00Z' })] }),
        ],
        expected: noMethod('CONFIDANT_HAS_NO_OWN_METHOD', 'child-via-aunt'),
      },
    ]);
  });

  describe('informWith', () => {
    const patientWithDaughter = (daughterMethod: Partial<AuthenticationMethodRecord> = {}) =>
      person('patient', {
        birthDate: '1940-02-02',
        authenticationMethods: [
          otp('patient-otp', { insertedAt: addedOnDay(1) }),
          offline('patient-offline', { insertedAt: addedOnDay(2) }),
          thirdPerson('patient-via-daughter', 'daughter', {
            alias: 'донька',
            insertedAt: addedOnDay(3),
            ...daughterMethod,
          }),
          na('patient-na', { insertedAt: addedOnDay(4) }),
        ],
        confidantPersons: [representedBy('daughter', { relationType: 'SECONDARY' })],
      });
    const daughter = person('daughter', {
      taxId: '3111111111',
      authenticationMethods: [otp('daughter-otp')],
    });
    const defaultOrderSteps = (viaDaughterVerdict: string) => [
      'DEFAULT_ORDER patient-otp CHOSEN FIRST_IN_DEFAULT_ORDER',
      'DEFAULT_ORDER patient-offline REJECTED LOWER_PRIORITY',
      `DEFAULT_ORDER patient-via-daughter REJECTED ${viaDaughterVerdict}`,
      'DEFAULT_ORDER patient-na REJECTED NA_NEVER_USED',
    ];
    const ownOtp = (steps: string[]): Expected => ({
      outcome: 'RESOLVED',
      recipient: 'SUBJECT patient',
      methodId: 'patient-otp',
      plan: ['VIBER', 'SMS'],
      steps,
    });

    runTable([
      {
        name: 'names a valid THIRD_PERSON while the subject has an own OTP: informWith wins',
        subject: patientWithDaughter(),
        people: [daughter],
        informWith: 'patient-via-daughter',
        expected: {
          outcome: 'RESOLVED',
          recipient: 'REPRESENTATIVE daughter',
          methodId: 'daughter-otp',
          via: 'patient-via-daughter',
          plan: ['DIIA', 'VIBER', 'SMS'],
          steps: ['INFORM_WITH patient-via-daughter CHOSEN INFORM_WITH'],
        },
      },
      {
        name: 'names the own OFFLINE while an OTP exists: upstream chose the slip',
        subject: patientWithDaughter(),
        people: [daughter],
        informWith: 'patient-offline',
        expected: {
          outcome: 'RESOLVED',
          recipient: 'SUBJECT patient',
          methodId: 'patient-offline',
          plan: ['SLIP'],
          steps: ['INFORM_WITH patient-offline CHOSEN INFORM_WITH'],
        },
      },
      {
        name: 'names an ended method: falls back to the default, and says why',
        subject: patientWithDaughter({ endedAt: '2025-06-10T00:00:00Z' }),
        people: [daughter],
        informWith: 'patient-via-daughter',
        expected: ownOtp(['INFORM_WITH patient-via-daughter REJECTED ENDED', ...defaultOrderSteps('ENDED')]),
      },
      {
        name: 'names a THIRD_PERSON that fails the relationship check: falls back',
        subject: person('patient', {
          ...patientWithDaughter(),
          confidantPersons: [representedBy('daughter', { verificationStatus: 'VERIFICATION_NEEDED' })],
        }),
        people: [daughter],
        informWith: 'patient-via-daughter',
        expected: ownOtp([
          'INFORM_WITH patient-via-daughter REJECTED RELATIONSHIP_NOT_VERIFIED',
          ...defaultOrderSteps('RELATIONSHIP_NOT_VERIFIED'),
        ]),
      },
      {
        name: 'names an NA method: falls back',
        subject: patientWithDaughter(),
        people: [daughter],
        informWith: 'patient-na',
        expected: ownOtp([
          'INFORM_WITH patient-na REJECTED NA_NEVER_USED',
          ...defaultOrderSteps('LOWER_PRIORITY'),
        ]),
      },
      {
        name: 'names a method the subject does not have: falls back',
        subject: patientWithDaughter(),
        people: [daughter],
        informWith: 'someone-elses-method',
        expected: ownOtp([
          'INFORM_WITH someone-elses-method REJECTED NOT_A_METHOD_OF_SUBJECT',
          ...defaultOrderSteps('LOWER_PRIORITY'),
        ]),
      },
      {
        name: "names a child's own OTP: not eligible under 14, the parent receives",
        subject: childRepresentedBy(
          'mother',
          {},
          {
            authenticationMethods: [
              otp('child-otp', { insertedAt: addedOnDay(1) }),
              thirdPerson('child-via-mother', 'mother', { insertedAt: addedOnDay(2) }),
            ],
          },
        ),
        informWith: 'child-otp',
        expected: {
          outcome: 'RESOLVED',
          recipient: 'REPRESENTATIVE mother',
          methodId: 'mother-otp',
          via: 'child-via-mother',
          plan: ['DIIA', 'VIBER', 'SMS'],
          steps: [
            'INFORM_WITH child-otp REJECTED SUBJECT_UNDER_14',
            'DEFAULT_ORDER child-otp REJECTED SUBJECT_UNDER_14',
            'DEFAULT_ORDER child-via-mother CHOSEN FIRST_IN_DEFAULT_ORDER',
          ],
        },
      },
      {
        name: 'is ignored for a preperson',
        subject: person('patient', { ...patientWithDaughter(), isPreperson: true }),
        people: [daughter],
        informWith: 'patient-via-daughter',
        expected: { outcome: 'SKIPPED', reason: 'PREPERSON', steps: [] },
      },
    ]);
  });

  describe('Diia eligibility', () => {
    const patient = (taxId?: string) =>
      person('patient', { ...(taxId ? { taxId } : {}), authenticationMethods: [otp('patient-otp')] });
    const ownOtpPlan = (plan: Channel[]): Expected => ({
      outcome: 'RESOLVED',
      recipient: 'SUBJECT patient',
      methodId: 'patient-otp',
      plan,
      steps: ['DEFAULT_ORDER patient-otp CHOSEN FIRST_IN_DEFAULT_ORDER'],
    });

    runTable([
      {
        name: 'with a tax id: Diia first',
        subject: patient('2987654321'),
        expected: ownOtpPlan(['DIIA', 'VIBER', 'SMS']),
      },
      { name: 'without a tax id: no Diia', subject: patient(), expected: ownOtpPlan(['VIBER', 'SMS']) },
      {
        name: 'AUTH_OTP: no Diia',
        subject: patient('2987654321'),
        type: 'AUTH_OTP',
        expected: ownOtpPlan(['VIBER', 'SMS']),
      },
      {
        name: 'MEDICAL_CONCLUSION_CREATED: no Diia',
        subject: patient('2987654321'),
        type: 'MEDICAL_CONCLUSION_CREATED',
        expected: ownOtpPlan(['VIBER', 'SMS']),
      },
      {
        name: 'Diia disabled',
        subject: patient('2987654321'),
        config: { diiaEnabled: false },
        expected: ownOtpPlan(['VIBER', 'SMS']),
      },
      {
        name: "a child's own tax id does not bring Diia when the representative has none",
        subject: childRepresentedBy('guardian', {}, { taxId: '3999999999' }),
        people: [person('guardian', { authenticationMethods: [otp('guardian-otp')] })],
        expected: {
          outcome: 'RESOLVED',
          recipient: 'REPRESENTATIVE guardian',
          methodId: 'guardian-otp',
          via: 'child-via-guardian',
          plan: ['VIBER', 'SMS'],
          steps: ['DEFAULT_ORDER child-via-guardian CHOSEN FIRST_IN_DEFAULT_ORDER'],
        },
      },
    ]);
  });

  describe('decision details', () => {
    it("a representative receives on their own phone and tax id, under the THIRD_PERSON's alias", () => {
      const decision = run({
        name: 'details',
        subject: childRepresentedBy('mother', {}, { taxId: '3999999999' }),
        expected: { outcome: 'RESOLVED', steps: [] },
      });

      expect(decision).toEqual({
        outcome: 'RESOLVED',
        recipient: {
          personId: 'mother',
          role: 'REPRESENTATIVE',
          phone: '+380501112233',
          taxId: '3012345678',
          name: { firstName: 'Олена', lastName: 'Прізвище-mother' },
        },
        method: { id: 'mother-otp', type: 'OTP', via: 'child-via-mother', alias: 'мама' },
        plan: ['DIIA', 'VIBER', 'SMS'],
        explanation: [
          {
            stage: 'DEFAULT_ORDER',
            methodId: 'child-via-mother',
            type: 'THIRD_PERSON',
            confidantPersonId: 'mother',
            confidantMethodId: 'mother-otp',
            confidantMethodType: 'OTP',
            verdict: 'CHOSEN',
            why: 'FIRST_IN_DEFAULT_ORDER',
          },
        ],
      });
    });

    it('an offline recipient that gets nothing still reports who and which method, without a phone', () => {
      const decision = run({
        name: 'details',
        subject: person('patient', {
          secondName: 'Іванівна',
          authenticationMethods: [offline('patient-offline')],
        }),
        type: 'CARE_PLAN_CREATED',
        expected: { outcome: 'SKIPPED', steps: [] },
      });

      expect(decision).toEqual({
        outcome: 'SKIPPED',
        reason: 'OFFLINE_RECIPIENT',
        recipient: {
          personId: 'patient',
          role: 'SUBJECT',
          name: { firstName: 'Олена', lastName: 'Прізвище-patient', secondName: 'Іванівна' },
        },
        method: { id: 'patient-offline', type: 'OFFLINE' },
        explanation: [
          {
            stage: 'DEFAULT_ORDER',
            methodId: 'patient-offline',
            type: 'OFFLINE',
            verdict: 'CHOSEN',
            why: 'FIRST_IN_DEFAULT_ORDER',
          },
        ],
      });
    });

    it('a rejected THIRD_PERSON names the confidant it points to', () => {
      const decision = run({
        name: 'details',
        subject: childRepresentedBy('mother', { activeTo: YESTERDAY }),
        expected: { outcome: 'FAILED', steps: [] },
      });

      expect(decision.explanation).toEqual([
        {
          stage: 'DEFAULT_ORDER',
          methodId: 'child-via-mother',
          type: 'THIRD_PERSON',
          confidantPersonId: 'mother',
          verdict: 'REJECTED',
          why: 'RELATIONSHIP_EXPIRED',
        },
      ]);
    });

    it('does not modify its inputs', () => {
      const subject = deepFreeze(
        person('child', {
          birthDate: '2015-01-10',
          authenticationMethods: [
            thirdPerson('child-via-mother', 'mother', { insertedAt: addedOnDay(9) }),
            thirdPerson('child-via-grandmother', 'grandmother', { insertedAt: addedOnDay(1) }),
          ],
          confidantPersons: [representedBy('mother'), representedBy('grandmother')],
        }),
      );
      const people = new Map([mother, grandmother].map((p) => [p.id, deepFreeze(structuredClone(p))]));

      const decision = resolveRecipient(
        subject,
        (id) => people.get(id),
        { eventId: 'e', type: 'AUTH_OTP', subjectPersonId: 'child', payload: {} },
        DEFAULT_RESOLUTION_CONFIG,
        NOW,
      );

      expect(decision.outcome === 'RESOLVED' && decision.recipient.personId).toBe('grandmother');
      expect(subject.authenticationMethods.map((m) => m.id)).toEqual([
        'child-via-mother',
        'child-via-grandmother',
      ]);
    });
  });
});

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}
