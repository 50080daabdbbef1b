/** Per-recipient behaviour set through the control API (architecture.md §7). */
export const RECIPIENT_BEHAVIOURS = [
  'DELIVERED',
  'NOT_VIBER_USER',
  'USER_BLOCKED',
  'UNDELIVERED',
  'EXPIRED',
  'NO_REPORT',
  'ERROR_5XX',
  'REJECTED',
  // Not in the contract list; lets tests reach TurboSMS reject code 10 (Viber older than 5.3).
  'NO_SUITABLE_DEVICE',
] as const;
export type RecipientBehaviour = (typeof RECIPIENT_BEHAVIOURS)[number];

export interface RecipientBehaviours {
  viber: RecipientBehaviour;
  sms: RecipientBehaviour;
}

export const DEFAULT_BEHAVIOURS: RecipientBehaviours = { viber: 'DELIVERED', sms: 'DELIVERED' };

export interface OutageState {
  viber: boolean;
  sms: boolean;
  /** Added before every aggregator answer. */
  latencyMs: number;
}

export const NO_OUTAGE: OutageState = { viber: false, sms: false, latencyMs: 0 };
