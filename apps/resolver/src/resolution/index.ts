export { resolveRecipient } from './resolve-recipient';
export { planChannels, type ChannelPlan, type ChannelPlanInput } from './plan-channels';
export { fullYearsOn, ukrainianCalendarDay } from './calendar';
export * from './resolution.types';
export { awaitedPersons } from './awaited-persons';
