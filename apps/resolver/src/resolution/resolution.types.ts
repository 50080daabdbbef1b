/**
 * Domain types of recipient resolution (architecture.md §4–§6).
 *
 * They mirror the contract's `PersonSnapshot` and `NotificationRequested` structurally, so a validated
 * snapshot or request can be passed in as is, while this module stays free of framework and I/O code.
 */

export type NotificationType =
  | 'AUTH_OTP'
  | 'MEDICATION_REQUEST_CREATED'
  | 'MEDICATION_REQUEST_REJECTED'
  | 'SERVICE_REQUEST_CREATED'
  | 'SERVICE_REQUEST_RECALLED'
  | 'SERVICE_REQUEST_CANCELLED'
  | 'CARE_PLAN_CREATED'
  | 'MEDICAL_CONCLUSION_CREATED';

export type AuthMethodType = 'OTP' | 'OFFLINE' | 'THIRD_PERSON' | 'NA';

/** The methods that actually reach a person: a phone (OTP) or a printed slip (OFFLINE). */
export type DeliverableMethodType = 'OTP' | 'OFFLINE';

export type Channel = 'DIIA' | 'VIBER' | 'SMS' | 'SLIP';

export type RecipientRole = 'SUBJECT' | 'REPRESENTATIVE';

export interface AuthenticationMethodRecord {
  id: string;
  type: AuthMethodType;
  /** OTP only. */
  phoneNumber?: string;
  /** THIRD_PERSON only: the confidant's person id. */
  value?: string;
  alias?: string;
  isActive: boolean;
  startedAt: string;
  endedAt?: string;
  insertedAt: string;
}

export interface RelationshipDocumentRecord {
  type: string;
  number: string;
  issuedAt?: string;
  activeTo?: string;
}

export const RelationshipVerificationStatus = {
  VERIFIED: 'VERIFIED',
  VERIFICATION_NEEDED: 'VERIFICATION_NEEDED',
  REJECTED: 'REJECTED',
} as const;

export interface ConfidantRelationshipRecord {
  personId: string;
  relationType: 'PRIMARY' | 'SECONDARY';
  /** 'YYYY-MM-DD', the last day the relationship is valid. */
  activeTo?: string;
  /** One of RelationshipVerificationStatus; kept as string so unknown future statuses still parse. */
  verificationStatus: string;
  documentsRelationship: readonly RelationshipDocumentRecord[];
}

export interface PersonRecord {
  id: string;
  /** 'YYYY-MM-DD' */
  birthDate: string;
  firstName: string;
  lastName: string;
  secondName?: string;
  taxId?: string;
  isPreperson?: boolean;
  verificationStatus: string;
  authenticationMethods: readonly AuthenticationMethodRecord[];
  /** This person's representatives (the people who may act for them). */
  confidantPersons: readonly ConfidantRelationshipRecord[];
}

export type PersonLookup = (personId: string) => PersonRecord | undefined;

export interface ResolutionRequest {
  eventId: string;
  type: NotificationType;
  subjectPersonId: string;
  informWith?: { authMethodId: string };
  payload: { notificationsDisabled?: boolean; encounterId?: string };
}

export interface ResolutionConfig {
  /** A subject at least this old may be reached through their own OTP / OFFLINE method. */
  adultAge: number;
  /** A confidant must be at least this old for their THIRD_PERSON link to count. */
  confidantMinAge: number;
  diiaEnabled: boolean;
  /** When true, only a VERIFIED confidant relationship makes a THIRD_PERSON method usable. */
  requireVerifiedRelationship: boolean;
}

export const DEFAULT_RESOLUTION_CONFIG: Readonly<ResolutionConfig> = Object.freeze({
  adultAge: 14,
  confidantMinAge: 18,
  diiaEnabled: true,
  requireVerifiedRelationship: true,
});

export const ResolutionOutcome = { RESOLVED: 'RESOLVED', SKIPPED: 'SKIPPED', FAILED: 'FAILED' } as const;
export type ResolutionOutcome = (typeof ResolutionOutcome)[keyof typeof ResolutionOutcome];

/** Machine codes reported as `NotificationStatus.reason` when nobody is notified. */
export const ResolutionReason = {
  UNKNOWN_PERSON: 'UNKNOWN_PERSON',
  PREPERSON: 'PREPERSON',
  NOTIFICATIONS_DISABLED: 'NOTIFICATIONS_DISABLED',
  /** Decided by the caller, which remembers encounters in the database. */
  DUPLICATE_ENCOUNTER: 'DUPLICATE_ENCOUNTER',
  NO_AUTH_METHOD: 'NO_AUTH_METHOD',
  OFFLINE_RECIPIENT: 'OFFLINE_RECIPIENT',
} as const;
export type ResolutionReason = (typeof ResolutionReason)[keyof typeof ResolutionReason];

export const OUTCOME_OF_REASON: Readonly<Record<ResolutionReason, 'SKIPPED' | 'FAILED'>> = Object.freeze({
  UNKNOWN_PERSON: 'FAILED',
  PREPERSON: 'SKIPPED',
  NOTIFICATIONS_DISABLED: 'SKIPPED',
  DUPLICATE_ENCOUNTER: 'SKIPPED',
  NO_AUTH_METHOD: 'FAILED',
  OFFLINE_RECIPIENT: 'SKIPPED',
});

/** Why a method was not used. Read by support staff, so each code names one concrete fact. */
export const MethodRejection = {
  /** informWith named an id that is not among the subject's methods. */
  NOT_A_METHOD_OF_SUBJECT: 'NOT_A_METHOD_OF_SUBJECT',
  NA_NEVER_USED: 'NA_NEVER_USED',
  INACTIVE: 'INACTIVE',
  ENDED: 'ENDED',
  SUBJECT_UNDER_14: 'SUBJECT_UNDER_14',
  OTP_WITHOUT_PHONE: 'OTP_WITHOUT_PHONE',
  CONFIDANT_UNKNOWN: 'CONFIDANT_UNKNOWN',
  CONFIDANT_PREPERSON: 'CONFIDANT_PREPERSON',
  CONFIDANT_UNDER_AGE: 'CONFIDANT_UNDER_AGE',
  NO_RELATIONSHIP: 'NO_RELATIONSHIP',
  RELATIONSHIP_EXPIRED: 'RELATIONSHIP_EXPIRED',
  RELATIONSHIP_REJECTED: 'RELATIONSHIP_REJECTED',
  RELATIONSHIP_NOT_VERIFIED: 'RELATIONSHIP_NOT_VERIFIED',
  /** The confidant has no active OTP or OFFLINE method of their own (their THIRD_PERSON is never followed). */
  CONFIDANT_HAS_NO_OWN_METHOD: 'CONFIDANT_HAS_NO_OWN_METHOD',
  /** Usable, but a method earlier in the default order was chosen. */
  LOWER_PRIORITY: 'LOWER_PRIORITY',
} as const;
export type MethodRejection = (typeof MethodRejection)[keyof typeof MethodRejection];

export const MethodChoice = {
  INFORM_WITH: 'INFORM_WITH',
  FIRST_IN_DEFAULT_ORDER: 'FIRST_IN_DEFAULT_ORDER',
} as const;
export type MethodChoice = (typeof MethodChoice)[keyof typeof MethodChoice];

/**
 * One method looked at during resolution. Never holds phone numbers or names, only ids and codes, so it
 * can be stored and shown to support as is.
 */
export type ExplanationStep = ChosenStep | RejectedStep;

interface StepBase {
  /** INFORM_WITH: the method upstream asked for; DEFAULT_ORDER: eHealth's default-method algorithm. */
  stage: 'INFORM_WITH' | 'DEFAULT_ORDER';
  methodId: string;
  /** Absent only when informWith named a method the subject does not have. */
  type?: AuthMethodType;
  /** THIRD_PERSON: the confidant the method points to. */
  confidantPersonId?: string;
}

export interface ChosenStep extends StepBase {
  verdict: 'CHOSEN';
  why: MethodChoice;
  /** THIRD_PERSON: the confidant's own method that reaches them. */
  confidantMethodId?: string;
  confidantMethodType?: DeliverableMethodType;
}

export interface RejectedStep extends StepBase {
  verdict: 'REJECTED';
  why: MethodRejection;
  confidantMethodId?: string;
  confidantMethodType?: DeliverableMethodType;
}

export interface Recipient {
  personId: string;
  role: RecipientRole;
  /** Present when the method is OTP; the full number, for the send call only. */
  phone?: string;
  /** The recipient's own tax id (a representative's, when the representative receives); Diia needs it. */
  taxId?: string;
  name: { firstName: string; lastName: string; secondName?: string };
}

export interface ChosenMethod {
  /** The recipient's own method: the subject's, or the confidant's when reached through THIRD_PERSON. */
  id: string;
  type: DeliverableMethodType;
  /** The subject's THIRD_PERSON method id, when the recipient is a representative. */
  via?: string;
  alias?: string;
}

export interface ResolvedDecision {
  outcome: 'RESOLVED';
  recipient: Recipient;
  method: ChosenMethod;
  plan: Channel[];
  explanation: ExplanationStep[];
}

export interface UnresolvedDecision {
  outcome: 'SKIPPED' | 'FAILED';
  reason: ResolutionReason;
  /** Set for OFFLINE_RECIPIENT: the person was found, only the notification type has no slip. */
  recipient?: Recipient;
  method?: ChosenMethod;
  explanation: ExplanationStep[];
}

export type ResolutionDecision = ResolvedDecision | UnresolvedDecision;
