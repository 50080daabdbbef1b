import {
  assessMethod,
  defaultOrderRank,
  inInsertionOrder,
  type AssessmentContext,
  type MethodAssessment,
  type Reach,
  type UsableMethod,
} from './assess-method';
import { ukrainianCalendarDay } from './calendar';
import { planChannels } from './plan-channels';
import {
  MethodChoice,
  MethodRejection,
  OUTCOME_OF_REASON,
  ResolutionReason,
  type ChosenMethod,
  type ExplanationStep,
  type PersonLookup,
  type PersonRecord,
  type Recipient,
  type ResolutionConfig,
  type ResolutionDecision,
  type ResolutionRequest,
  type UnresolvedDecision,
} from './resolution.types';

type Stage = ExplanationStep['stage'];

interface Selection {
  chosen?: UsableMethod;
  steps: ExplanationStep[];
}

/**
 * Decides who receives a notification and through which channels (architecture.md §5, §6).
 *
 * Waiting for an unknown subject and de-duplicating encounters need the database, so the caller does
 * both; an `undefined` subject here means the wait is over.
 */
export function resolveRecipient(
  subject: PersonRecord | undefined,
  lookupPerson: PersonLookup,
  request: ResolutionRequest,
  config: ResolutionConfig,
  now: Date,
): ResolutionDecision {
  if (!subject) return notNotified(ResolutionReason.UNKNOWN_PERSON, []);
  if (subject.isPreperson) return notNotified(ResolutionReason.PREPERSON, []);
  if (request.payload.notificationsDisabled) return notNotified(ResolutionReason.NOTIFICATIONS_DISABLED, []);

  const context: AssessmentContext = { subject, lookupPerson, config, now, today: ukrainianCalendarDay(now) };
  const requested = considerInformWith(request.informWith?.authMethodId, context);
  if (requested.chosen) return deliver(requested.chosen, requested.steps, request, config);

  const byDefault = chooseByDefaultOrder(context);
  const explanation = [...requested.steps, ...byDefault.steps];
  if (!byDefault.chosen) return notNotified(ResolutionReason.NO_AUTH_METHOD, explanation);
  return deliver(byDefault.chosen, explanation, request, config);
}

function considerInformWith(methodId: string | undefined, context: AssessmentContext): Selection {
  if (methodId === undefined) return { steps: [] };
  const method = context.subject.authenticationMethods.find((candidate) => candidate.id === methodId);
  if (!method) {
    return {
      steps: [
        { stage: 'INFORM_WITH', methodId, verdict: 'REJECTED', why: MethodRejection.NOT_A_METHOD_OF_SUBJECT },
      ],
    };
  }
  const assessment = assessMethod(method, context);
  const chosen = assessment.usable ? assessment : undefined;
  return { chosen, steps: [explain(assessment, 'INFORM_WITH', chosen)] };
}

function chooseByDefaultOrder(context: AssessmentContext): Selection {
  const assessments = inInsertionOrder(context.subject.authenticationMethods).map((method) =>
    assessMethod(method, context),
  );
  const chosen = firstByDefaultOrder(assessments.filter((assessment) => assessment.usable));
  return { chosen, steps: assessments.map((assessment) => explain(assessment, 'DEFAULT_ORDER', chosen)) };
}

/** `usable` is in insertion order, so among equal ranks the first-added wins. */
function firstByDefaultOrder(usable: UsableMethod[]): UsableMethod | undefined {
  return usable.reduce<UsableMethod | undefined>(
    (best, candidate) =>
      best === undefined || defaultOrderRank(candidate.reach) < defaultOrderRank(best.reach)
        ? candidate
        : best,
    undefined,
  );
}

function explain(
  assessment: MethodAssessment,
  stage: Stage,
  chosen: UsableMethod | undefined,
): ExplanationStep {
  const { method } = assessment;
  const confidant = method.type === 'THIRD_PERSON' && method.value ? { confidantPersonId: method.value } : {};
  const base = { stage, methodId: method.id, type: method.type, ...confidant };
  if (!assessment.usable) return { ...base, verdict: 'REJECTED', why: assessment.why };

  const confidantMethod = assessment.reach.thirdPersonMethod
    ? {
        confidantMethodId: assessment.reach.recipientMethod.id,
        confidantMethodType: assessment.reach.recipientMethod.type,
      }
    : {};
  if (assessment !== chosen) {
    return { ...base, ...confidantMethod, verdict: 'REJECTED', why: MethodRejection.LOWER_PRIORITY };
  }
  const why = stage === 'INFORM_WITH' ? MethodChoice.INFORM_WITH : MethodChoice.FIRST_IN_DEFAULT_ORDER;
  return { ...base, ...confidantMethod, verdict: 'CHOSEN', why };
}

function deliver(
  chosen: UsableMethod,
  explanation: ExplanationStep[],
  request: ResolutionRequest,
  config: ResolutionConfig,
): ResolutionDecision {
  const recipient = describeRecipient(chosen.reach);
  const method = describeMethod(chosen.reach);
  const plan = planChannels(
    { methodType: method.type, notificationType: request.type, recipientTaxId: recipient.taxId },
    config,
  );
  if (!plan.deliverable) return { ...notNotified(plan.reason, explanation), recipient, method };
  return { outcome: 'RESOLVED', recipient, method, plan: plan.channels, explanation };
}

function describeRecipient({ recipientPerson: person, role, recipientMethod }: Reach): Recipient {
  return {
    personId: person.id,
    role,
    ...(recipientMethod.type === 'OTP' && recipientMethod.phoneNumber
      ? { phone: recipientMethod.phoneNumber }
      : {}),
    ...(person.taxId ? { taxId: person.taxId } : {}),
    name: {
      firstName: person.firstName,
      lastName: person.lastName,
      ...(person.secondName ? { secondName: person.secondName } : {}),
    },
  };
}

function describeMethod({ recipientMethod, thirdPersonMethod }: Reach): ChosenMethod {
  const alias = thirdPersonMethod ? thirdPersonMethod.alias : recipientMethod.alias;
  return {
    id: recipientMethod.id,
    type: recipientMethod.type,
    ...(thirdPersonMethod ? { via: thirdPersonMethod.id } : {}),
    ...(alias ? { alias } : {}),
  };
}

function notNotified(reason: ResolutionReason, explanation: ExplanationStep[]): UnresolvedDecision {
  return { outcome: OUTCOME_OF_REASON[reason], reason, explanation };
}
