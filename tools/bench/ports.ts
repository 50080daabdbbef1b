/** The processes of the stack and their ports (pure: no app code imported, so options stay testable). */

export const APPS = [
  'resolver',
  'viber-sender',
  'sms-sender',
  'diia-push-stub',
  'info-slip-renderer',
] as const;
export type AppName = (typeof APPS)[number];
export type ProcessName = AppName | 'provider-simulator';
export const PROCESSES: readonly ProcessName[] = ['provider-simulator', ...APPS];

/** The contract's ports (architecture.md §2), which `npm start` uses; the bench adds these offsets to its base. */
export const CONTRACT_PORTS: Record<ProcessName, number> = {
  resolver: 3001,
  'viber-sender': 3002,
  'sms-sender': 3003,
  'diia-push-stub': 3004,
  'info-slip-renderer': 3005,
  'provider-simulator': 3100,
};
const PORT_OFFSETS: Record<ProcessName, number> = {
  'provider-simulator': 0,
  resolver: 1,
  'viber-sender': 2,
  'sms-sender': 3,
  'diia-push-stub': 4,
  'info-slip-renderer': 5,
};

export function portsFrom(base: number | undefined): Record<ProcessName, number> {
  if (base === undefined) return { ...CONTRACT_PORTS };
  return Object.fromEntries(PROCESSES.map((name) => [name, base + PORT_OFFSETS[name]])) as Record<
    ProcessName,
    number
  >;
}

export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
}
