import { fullYearsOn, hasEndedBy, isDayBefore } from './calendar';
import {
  MethodRejection,
  RelationshipVerificationStatus,
  type AuthenticationMethodRecord,
  type ConfidantRelationshipRecord,
  type DeliverableMethodType,
  type PersonLookup,
  type PersonRecord,
  type RecipientRole,
  type ResolutionConfig,
} from './resolution.types';

export type DeliverableMethod = AuthenticationMethodRecord & { type: DeliverableMethodType };

/** Who a usable method reaches, and through which of their own methods. */
export interface Reach {
  recipientPerson: PersonRecord;
  role: RecipientRole;
  recipientMethod: DeliverableMethod;
  /** The subject's THIRD_PERSON method, when the recipient is a representative. */
  thirdPersonMethod?: AuthenticationMethodRecord;
}

export type MethodAssessment = UsableMethod | UnusableMethod;

export interface UsableMethod {
  usable: true;
  method: AuthenticationMethodRecord;
  reach: Reach;
}

export interface UnusableMethod {
  usable: false;
  method: AuthenticationMethodRecord;
  why: MethodRejection;
}

export interface AssessmentContext {
  subject: PersonRecord;
  lookupPerson: PersonLookup;
  config: ResolutionConfig;
  now: Date;
  /** The Ukrainian calendar day of `now`, 'YYYY-MM-DD'. */
  today: string;
}

/** Whether one of the subject's methods can reach someone (architecture.md §5.3–§5.5). */
export function assessMethod(
  method: AuthenticationMethodRecord,
  context: AssessmentContext,
): MethodAssessment {
  if (method.type === 'NA') return unusable(method, MethodRejection.NA_NEVER_USED);
  const lifecycleProblem = lifecycleProblemOf(method, context.now);
  if (lifecycleProblem) return unusable(method, lifecycleProblem);
  if (isDeliverable(method)) return assessOwnMethod(method, context);
  return assessThirdPerson(method, context);
}

/** eHealth's default order: own OTP, own OFFLINE, representative's OTP, representative's OFFLINE. */
export function defaultOrderRank(reach: Reach): number {
  const ownMethodRank = reach.recipientMethod.type === 'OTP' ? 0 : 1;
  return reach.role === 'SUBJECT' ? ownMethodRank : 2 + ownMethodRank;
}

export function inInsertionOrder<T extends { insertedAt: string }>(methods: readonly T[]): T[] {
  return [...methods].sort((a, b) => Date.parse(a.insertedAt) - Date.parse(b.insertedAt));
}

function lifecycleProblemOf(method: AuthenticationMethodRecord, now: Date): MethodRejection | undefined {
  if (!method.isActive) return MethodRejection.INACTIVE;
  if (hasEndedBy(method.endedAt, now)) return MethodRejection.ENDED;
  return undefined;
}

function assessOwnMethod(method: DeliverableMethod, context: AssessmentContext): MethodAssessment {
  const { subject, config, today } = context;
  if (fullYearsOn(subject.birthDate, today) < config.adultAge) {
    return unusable(method, MethodRejection.SUBJECT_UNDER_14);
  }
  if (!reachesAPhoneOrSlip(method)) return unusable(method, MethodRejection.OTP_WITHOUT_PHONE);
  return {
    usable: true,
    method,
    reach: { recipientPerson: subject, role: 'SUBJECT', recipientMethod: method },
  };
}

function assessThirdPerson(method: AuthenticationMethodRecord, context: AssessmentContext): MethodAssessment {
  const confidant = method.value === undefined ? undefined : context.lookupPerson(method.value);
  if (!confidant) return unusable(method, MethodRejection.CONFIDANT_UNKNOWN);
  if (confidant.isPreperson) return unusable(method, MethodRejection.CONFIDANT_PREPERSON);
  if (fullYearsOn(confidant.birthDate, context.today) < context.config.confidantMinAge) {
    return unusable(method, MethodRejection.CONFIDANT_UNDER_AGE);
  }
  const relationshipProblem = relationshipProblemOf(confidant.id, context);
  if (relationshipProblem) return unusable(method, relationshipProblem);

  const confidantMethod = ownDeliverableMethod(confidant, context.now);
  if (!confidantMethod) return unusable(method, MethodRejection.CONFIDANT_HAS_NO_OWN_METHOD);
  return {
    usable: true,
    method,
    reach: {
      recipientPerson: confidant,
      role: 'REPRESENTATIVE',
      recipientMethod: confidantMethod,
      thirdPersonMethod: method,
    },
  };
}

/**
 * The subject must list the confidant with a current relationship. When there are several entries for
 * the same confidant (an old one and a renewed one), one valid entry is enough.
 */
function relationshipProblemOf(confidantId: string, context: AssessmentContext): MethodRejection | undefined {
  const entries = context.subject.confidantPersons.filter((entry) => entry.personId === confidantId);
  if (entries.length === 0) return MethodRejection.NO_RELATIONSHIP;
  const problems = entries.map((entry) => problemOfRelationship(entry, context));
  return problems.includes(undefined) ? undefined : problems[0];
}

function problemOfRelationship(
  relationship: ConfidantRelationshipRecord,
  { config, today }: AssessmentContext,
): MethodRejection | undefined {
  if (relationship.activeTo !== undefined && isDayBefore(relationship.activeTo, today)) {
    return MethodRejection.RELATIONSHIP_EXPIRED;
  }
  // A relationship a verifier rejected is never trusted, even when verification is not required.
  if (relationship.verificationStatus === RelationshipVerificationStatus.REJECTED) {
    return MethodRejection.RELATIONSHIP_REJECTED;
  }
  if (
    config.requireVerifiedRelationship &&
    relationship.verificationStatus !== RelationshipVerificationStatus.VERIFIED
  ) {
    return MethodRejection.RELATIONSHIP_NOT_VERIFIED;
  }
  return undefined;
}

/**
 * The confidant's own method, OTP before OFFLINE, first-added first. Their THIRD_PERSON methods are never
 * followed: representation does not chain.
 */
function ownDeliverableMethod(person: PersonRecord, now: Date): DeliverableMethod | undefined {
  const usable = inInsertionOrder(person.authenticationMethods)
    .filter(isDeliverable)
    .filter((method) => !lifecycleProblemOf(method, now) && reachesAPhoneOrSlip(method));
  return usable.find((method) => method.type === 'OTP') ?? usable.find((method) => method.type === 'OFFLINE');
}

function isDeliverable(method: AuthenticationMethodRecord): method is DeliverableMethod {
  return method.type === 'OTP' || method.type === 'OFFLINE';
}

function reachesAPhoneOrSlip(method: DeliverableMethod): boolean {
  return method.type === 'OFFLINE' || Boolean(method.phoneNumber);
}

function unusable(method: AuthenticationMethodRecord, why: MethodRejection): UnusableMethod {
  return { usable: false, method, why };
}
