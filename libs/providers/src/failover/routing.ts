import { createHash } from 'node:crypto';

export interface WeightedProvider {
  name: string;
  /** Share of new messages that start at this provider; 0 = standby (only ever a failover target). */
  weight: number;
}

const ENTRY = /^([a-z][a-z0-9-]{0,31}):(\d{1,3})$/;

/**
 * `SMS_PROVIDERS`: `turbosms:70,smsc:30`. Names are lower-case, weights 0-100 and at least one above 0; a
 * name alone means weight 100. Throws with a message naming the rule (never a value: there is none secret).
 */
export function parseSmsProviders(spec: string, known?: readonly string[]): WeightedProvider[] {
  const providers = spec
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const match = ENTRY.exec(entry.includes(':') ? entry : `${entry}:100`);
      if (!match) throw new Error('SMS_PROVIDERS must be name:weight pairs, e.g. turbosms:70,smsc:30');
      return { name: match[1], weight: Number(match[2]) };
    });
  if (providers.length === 0) throw new Error('SMS_PROVIDERS names no provider');
  if (new Set(providers.map((p) => p.name)).size !== providers.length)
    throw new Error('SMS_PROVIDERS names a provider twice');
  if (providers.some((p) => p.weight > 100)) throw new Error('SMS_PROVIDERS weights are 0-100');
  if (!providers.some((p) => p.weight > 0)) throw new Error('SMS_PROVIDERS needs a weight above 0');
  const unknown = known ? providers.filter((p) => !known.includes(p.name)) : [];
  if (unknown.length > 0)
    throw new Error(`SMS_PROVIDERS: unknown provider (known: ${(known ?? []).join(', ')})`);
  return providers;
}

/**
 * The order in which one delivery tries the providers: the first is picked by weight, deterministically
 * from the delivery id (a retried delivery starts where it started before), then the others by weight.
 */
export function providerOrder(deliveryId: string, providers: readonly WeightedProvider[]): string[] {
  const total = providers.reduce((sum, p) => sum + p.weight, 0);
  const point = createHash('sha256').update(deliveryId).digest().readUInt32BE(4) % total;
  let cumulative = 0;
  const first = providers.find((p) => (cumulative += p.weight) > point) ?? providers[0];
  const rest = providers
    .filter((p) => p !== first)
    .map((p, index) => ({ ...p, index }))
    .sort((a, b) => b.weight - a.weight || a.index - b.index);
  return [first.name, ...rest.map((p) => p.name)];
}
