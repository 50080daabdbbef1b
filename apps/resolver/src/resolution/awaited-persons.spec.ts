import { awaitedPersons } from './awaited-persons';
import { resolveRecipient } from './resolve-recipient';
import { DEFAULT_RESOLUTION_CONFIG, type PersonRecord, type ResolutionRequest } from './resolution.types';

const NOW = new Date('2025-06-15T09:00:00Z');
const since = '2024-01-01T10:00:00Z';
const request: ResolutionRequest = {
  eventId: 'e1',
  type: 'MEDICATION_REQUEST_CREATED',
  subjectPersonId: 'child',
  payload: {},
};

function person(id: string, overrides: Partial<PersonRecord>): PersonRecord {
  return {
    id,
    birthDate: '1985-03-02',
    firstName: 'Олена',
    lastName: 'Коваленко',
    verificationStatus: 'VERIFIED',
    authenticationMethods: [],
    confidantPersons: [],
    ...overrides,
  };
}

const otp = (id: string) => ({
  id,
  type: 'OTP' as const,
  phoneNumber: '+380931234585',
  isActive: true,
  startedAt: since,
  insertedAt: since,
});
const viaMother = {
  id: 'via-mother',
  type: 'THIRD_PERSON' as const,
  value: 'mother',
  isActive: true,
  startedAt: since,
  insertedAt: since,
};
const relation = {
  personId: 'mother',
  relationType: 'PRIMARY' as const,
  verificationStatus: 'VERIFIED',
  documentsRelationship: [{ type: 'BIRTH_CERTIFICATE', number: 'І-АБ 123456' }],
};

function awaited(subject: PersonRecord, known: PersonRecord[]) {
  const lookup = (id: string) => known.find((candidate) => candidate.id === id);
  const decision = resolveRecipient(subject, lookup, request, DEFAULT_RESOLUTION_CONFIG, NOW);
  return awaitedPersons(decision, subject, lookup, request, DEFAULT_RESOLUTION_CONFIG, NOW);
}

describe('awaitedPersons', () => {
  const child = person('child', {
    birthDate: '2015-01-10',
    authenticationMethods: [viaMother],
    confidantPersons: [relation],
  });
  const mother = person('mother', { authenticationMethods: [otp('mother-otp')] });

  it("waits for a child's representative whose snapshot is not here yet", () => {
    expect(awaited(child, [])).toEqual(['mother']);
  });

  it('waits for nobody once the representative is known', () => {
    expect(awaited(child, [mother])).toEqual([]);
  });

  it("does not wait when the confidant could not change the choice (an adult's own OTP comes first)", () => {
    const adult = person('child', {
      authenticationMethods: [otp('own-otp'), viaMother],
      confidantPersons: [relation],
    });
    expect(awaited(adult, [])).toEqual([]);
  });

  it('does not wait for a confidant the subject has no verified relationship with', () => {
    const unrelated = person('child', { birthDate: '2015-01-10', authenticationMethods: [viaMother] });
    expect(awaited(unrelated, [])).toEqual([]);
  });
});
