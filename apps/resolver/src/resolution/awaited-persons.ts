import { resolveRecipient } from './resolve-recipient';
import type {
  PersonLookup,
  PersonRecord,
  ResolutionConfig,
  ResolutionDecision,
  ResolutionRequest,
} from './resolution.types';

/**
 * The persons a decision is still waiting for: confidants the rules looked up but whose snapshot is not
 * here yet, and only when their arrival could change the decision. A confidant that is merely not known yet
 * must not make the rules pass over the subject's THIRD_PERSON method (issue: a child's code sent to the
 * child's own phone because the mother's snapshot was late). To tell, the rules run again with every
 * missing confidant standing in as the most reachable person possible (an adult with an active OTP): if the
 * choice changes, the event waits for them, as it waits for an unknown subject.
 */
export function awaitedPersons(
  decision: ResolutionDecision,
  subject: PersonRecord,
  lookupPerson: PersonLookup,
  request: ResolutionRequest,
  config: ResolutionConfig,
  now: Date,
): string[] {
  const missing = new Set<string>();
  const optimistic = resolveRecipient(
    subject,
    (id) => {
      const known = lookupPerson(id);
      if (known) return known;
      missing.add(id);
      return standIn(id);
    },
    request,
    config,
    now,
  );
  if (missing.size === 0 || choiceOf(optimistic) === choiceOf(decision)) return [];
  return [...missing];
}

function choiceOf(decision: ResolutionDecision): string {
  return decision.outcome === 'RESOLVED'
    ? `${decision.method.id}/${decision.method.via ?? ''}`
    : decision.reason;
}

/** Reachable by every rule that looks at the confidant itself (the relationship is the subject's record). */
function standIn(id: string): PersonRecord {
  const since = '2000-01-01T00:00:00.000Z';
  return {
    id,
    birthDate: '1950-01-01',
    firstName: '-',
    lastName: '-',
    isPreperson: false,
    verificationStatus: 'VERIFIED',
    authenticationMethods: [
      {
        id: `${id}-stand-in-otp`,
        type: 'OTP',
        phoneNumber: '+380000000000',
        isActive: true,
        startedAt: since,
        insertedAt: since,
      },
    ],
    confidantPersons: [],
  };
}
