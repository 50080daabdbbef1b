import { randomInt, randomUUID } from 'node:crypto';
import type { Channel, NotificationRequested, NotificationType, PersonSnapshot } from '@app/contracts';
import { adult, childOf, offlinePatient, type DemoPerson } from '../demo/people';

/**
 * What the bench offers: persons (published once), provider behaviours (set once through the simulator's
 * and the Diia stub's control APIs) and a stream of events cycling through them. `happy` is the issue's
 * fast path only (AUTH_OTP, adult, Viber delivers at once); `mixed` interleaves the main routes in fixed
 * proportions, deterministically, so every step gets the same mix.
 */

export type ScenarioName = 'viber' | 'diia' | 'sms-fallback' | 'slip' | 'child';

export interface ScenarioSpec {
  type: NotificationType;
  expected: { status: 'DELIVERED' | 'SLIP_READY'; channel: Channel };
  description: string;
}

export const SCENARIOS: Record<ScenarioName, ScenarioSpec> = {
  viber: {
    type: 'AUTH_OTP',
    expected: { status: 'DELIVERED', channel: 'VIBER' },
    description: 'AUTH_OTP, adult, Viber delivers',
  },
  diia: {
    type: 'MEDICATION_REQUEST_CREATED',
    expected: { status: 'DELIVERED', channel: 'DIIA' },
    description: 'e-Rx, adult with a tax id, Diia push read',
  },
  'sms-fallback': {
    type: 'AUTH_OTP',
    expected: { status: 'DELIVERED', channel: 'SMS' },
    description: 'AUTH_OTP, Viber rejects NOT_VIBER_USER → SMS',
  },
  slip: {
    type: 'MEDICATION_REQUEST_CREATED',
    expected: { status: 'SLIP_READY', channel: 'SLIP' },
    description: 'e-Rx, patient registered by documents → slip',
  },
  child: {
    type: 'MEDICATION_REQUEST_CREATED',
    expected: { status: 'DELIVERED', channel: 'VIBER' },
    description: "child's e-Rx → parent (THIRD_PERSON) by Viber",
  },
};

export const SCENARIO_NAMES = Object.keys(SCENARIOS) as ScenarioName[];
export type Mix = Partial<Record<ScenarioName, number>>;
export const HAPPY_MIX: Mix = { viber: 1 };
export const DEFAULT_MIXED: Mix = { viber: 40, diia: 20, 'sms-fallback': 15, slip: 10, child: 15 };

/** `viber:40,diia:20` → { viber: 40, diia: 20 }; unknown names and non-positive weights are errors. */
export function parseMix(text: string): Mix {
  const mix: Mix = {};
  for (const part of text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)) {
    const [name, weight] = part.split(':');
    if (!SCENARIO_NAMES.includes(name as ScenarioName))
      throw new Error(`unknown scenario "${name}" (known: ${SCENARIO_NAMES.join(', ')})`);
    const value = Number(weight);
    if (!(value > 0)) throw new Error(`scenario ${name} needs a positive weight, e.g. ${name}:10`);
    mix[name as ScenarioName] = value;
  }
  if (Object.keys(mix).length === 0) throw new Error('empty mix');
  return mix;
}

/**
 * Smooth weighted round robin (as in nginx): weights 3:1 give a a b a, a a b a, ... — the proportions hold
 * over every window, not just on average.
 */
export class WeightedCycle<K extends string> {
  private readonly entries: { key: K; weight: number; current: number }[];
  private readonly total: number;

  constructor(weights: Partial<Record<K, number>>) {
    this.entries = (Object.entries(weights) as [K, number][])
      .filter(([, weight]) => weight > 0)
      .map(([key, weight]) => ({ key, weight, current: 0 }));
    this.total = this.entries.reduce((sum, entry) => sum + entry.weight, 0);
    if (this.entries.length === 0) throw new Error('no positive weights');
  }

  next(): K {
    let best = this.entries[0];
    for (const entry of this.entries) {
      entry.current += entry.weight;
      if (entry.current > best.current) best = entry;
    }
    best.current -= this.total;
    return best.key;
  }
}

export interface BenchEvent {
  eventId: string;
  scenario: ScenarioName;
  /** Kafka key (subject person id) and JSON value of the NotificationRequested. */
  key: string;
  value: string;
}

export interface Workload {
  /** Every snapshot to publish (subjects and, for children, their parents). */
  persons: PersonSnapshot[];
  /** Simulator behaviours to set (phone → Viber behaviour); the default is DELIVERED. */
  viberBehaviours: Map<string, 'NOT_VIBER_USER'>;
  /** Diia stub behaviours to set (tax id → READ). */
  diiaBehaviours: Map<string, 'READ'>;
  /** Subjects per scenario (how many distinct persons the events cycle through). */
  subjects: Partial<Record<ScenarioName, number>>;
  next(): BenchEvent;
}

const NAME = { firstName: 'Олена', secondName: 'Петрівна', lastName: 'Коваленко' };
const CHILD_NAME = { firstName: 'Софія', secondName: 'Андріївна', lastName: 'Коваленко' };

/** `persons` subjects split over the scenarios by weight (at least one each). Fresh ids and phones. */
export function buildWorkload(mix: Mix, persons: number): Workload {
  const weights = Object.entries(mix) as [ScenarioName, number][];
  const total = weights.reduce((sum, [, weight]) => sum + weight, 0);
  const pools = new Map<ScenarioName, DemoPerson[]>();
  const published: PersonSnapshot[] = [];
  const viberBehaviours = new Map<string, 'NOT_VIBER_USER'>();
  const diiaBehaviours = new Map<string, 'READ'>();
  const phones = new Set<string>();
  // Random phones: two persons of one run on one phone would share a simulator behaviour; draw again.
  const withNewPhone = (make: () => DemoPerson): DemoPerson => {
    for (;;) {
      const person = make();
      if (!person.phone || !phones.has(person.phone)) {
        if (person.phone) phones.add(person.phone);
        return person;
      }
    }
  };
  const adultWithoutTaxId = () => withNewPhone(() => adult(NAME, '1985-04-12', { taxId: false }));

  for (const [scenario, weight] of weights) {
    const count = Math.max(1, Math.round((persons * weight) / total));
    const pool: DemoPerson[] = [];
    for (let index = 0; index < count; index++) {
      switch (scenario) {
        case 'viber':
          pool.push(adultWithoutTaxId());
          break;
        case 'sms-fallback': {
          const person = adultWithoutTaxId();
          viberBehaviours.set(person.phone!, 'NOT_VIBER_USER');
          pool.push(person);
          break;
        }
        case 'diia': {
          const person = withNewPhone(() => adult(NAME, '1985-04-12', { taxId: true }));
          diiaBehaviours.set(person.snapshot.taxId!, 'READ');
          pool.push(person);
          break;
        }
        case 'slip':
          pool.push(offlinePatient(NAME, '1948-02-23'));
          break;
        case 'child': {
          const parent = adultWithoutTaxId();
          published.push(parent.snapshot);
          pool.push(withNewPhone(() => childOf(parent.snapshot, CHILD_NAME, '2016-03-14')));
          break;
        }
      }
    }
    published.push(...pool.map((person) => person.snapshot));
    pools.set(scenario, pool);
  }

  const cycle = new WeightedCycle(mix);
  const position = new Map<ScenarioName, number>();
  return {
    persons: published,
    viberBehaviours,
    diiaBehaviours,
    subjects: Object.fromEntries([...pools].map(([scenario, pool]) => [scenario, pool.length])),
    next(): BenchEvent {
      const scenario = cycle.next();
      const pool = pools.get(scenario)!;
      const index = position.get(scenario) ?? 0;
      position.set(scenario, (index + 1) % pool.length);
      const subject = pool[index];
      const event = requestFor(SCENARIOS[scenario].type, subject.snapshot.id);
      return { eventId: event.eventId, scenario, key: event.subjectPersonId, value: JSON.stringify(event) };
    },
  };
}

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const block = () =>
  Array.from({ length: 4 }, () => '0123456789ABCDEFGHJKMNPQRSTUVWXYZ'[randomInt(33)]).join('');

/** A NotificationRequested stamped now, with a fresh random code (never printed anywhere). */
export function requestFor(type: NotificationType, subjectPersonId: string): NotificationRequested {
  const now = Date.now();
  const verificationCode = String(randomInt(1000, 10_000));
  const base = {
    eventId: randomUUID(),
    type,
    occurredAt: new Date(now).toISOString(),
    subjectPersonId,
  };
  if (type === 'AUTH_OTP')
    return { ...base, expiresAt: new Date(now + 300_000).toISOString(), payload: { verificationCode } };
  return {
    ...base,
    expiresAt: new Date(now + 24 * 3_600_000).toISOString(),
    payload: {
      number: `0000-${block()}-${block()}-${block()}`,
      verificationCode,
      validFrom: day(0),
      validUntil: day(30),
      details: {
        medication: 'Амлодипін, таблетки 5 мг',
        dosage: 'по 1 таблетці 1 раз на добу',
        quantity: '30 таблеток',
        prescriber: 'Петренко Оксана Василівна, лікар загальної практики',
        facility: 'КНП «Центр первинної медико-санітарної допомоги №1» м. Києва',
      },
    },
  };
}
