/** The aggregators the simulator plays (architecture.md §11.4). TurboSMS carries Viber and SMS, SMSC SMS. */
export const PROVIDERS = {
  turbosms: { channels: ['VIBER', 'SMS'] },
  smsc: { channels: ['SMS'] },
} as const satisfies Record<string, { channels: readonly ('VIBER' | 'SMS')[] }>;

export type ProviderName = keyof typeof PROVIDERS;
export const PROVIDER_NAMES = Object.keys(PROVIDERS) as ProviderName[];

export function isProviderName(value: string): value is ProviderName {
  return Object.hasOwn(PROVIDERS, value);
}

/** A provider-wide outage: every call answers 503, or no call is ever answered. */
export const PROVIDER_OUTAGES = ['ERROR_5XX', 'TIMEOUT'] as const;
export type ProviderOutage = (typeof PROVIDER_OUTAGES)[number];

export interface ProviderView {
  name: ProviderName;
  channels: readonly ('VIBER' | 'SMS')[];
  outage: ProviderOutage | null;
}
