import type { Channel, DeliverableMethodType, NotificationType, ResolutionConfig } from './resolution.types';

/** The first phase of Diia notifications (research/domain.md §6.3); other types skip Diia. */
const DIIA_NOTIFICATION_TYPES: ReadonlySet<NotificationType> = new Set<NotificationType>([
  'MEDICATION_REQUEST_CREATED',
  'MEDICATION_REQUEST_REJECTED',
  'SERVICE_REQUEST_CREATED',
  'CARE_PLAN_CREATED',
]);

/** Only documents the patient must present at a pharmacy or provider are worth a printed slip. */
const SLIP_NOTIFICATION_TYPES: ReadonlySet<NotificationType> = new Set<NotificationType>([
  'MEDICATION_REQUEST_CREATED',
  'SERVICE_REQUEST_CREATED',
]);

export interface ChannelPlanInput {
  methodType: DeliverableMethodType;
  notificationType: NotificationType;
  /** The tax id of whoever receives (a representative's own, when a representative receives). */
  recipientTaxId?: string;
}

export type ChannelPlan =
  { deliverable: true; channels: Channel[] } | { deliverable: false; reason: 'OFFLINE_RECIPIENT' };

/** Channels to try in order (architecture.md §5.6, §6). */
export function planChannels(
  input: ChannelPlanInput,
  config: Pick<ResolutionConfig, 'diiaEnabled'>,
): ChannelPlan {
  if (input.methodType === 'OFFLINE') return planForOfflineRecipient(input.notificationType);
  return { deliverable: true, channels: planForPhone(input, config) };
}

function planForOfflineRecipient(notificationType: NotificationType): ChannelPlan {
  if (SLIP_NOTIFICATION_TYPES.has(notificationType)) return { deliverable: true, channels: ['SLIP'] };
  return { deliverable: false, reason: 'OFFLINE_RECIPIENT' };
}

function planForPhone(input: ChannelPlanInput, config: Pick<ResolutionConfig, 'diiaEnabled'>): Channel[] {
  const phoneChannels: Channel[] = ['VIBER', 'SMS'];
  return isDiiaEligible(input, config) ? ['DIIA', ...phoneChannels] : phoneChannels;
}

function isDiiaEligible(input: ChannelPlanInput, config: Pick<ResolutionConfig, 'diiaEnabled'>): boolean {
  return (
    config.diiaEnabled && Boolean(input.recipientTaxId) && DIIA_NOTIFICATION_TYPES.has(input.notificationType)
  );
}
