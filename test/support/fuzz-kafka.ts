import { randomUUID } from 'node:crypto';
import { MAX_MESSAGE_BYTES, Topic } from '@app/contracts';
import { CodeCipher } from '@app/platform';
import { otpMethod, type SeededRandom, uniquePhone, uniqueTaxId } from '@app/testing';

/**
 * Hostile Kafka inputs for the six consumed topics, built from a seeded PRNG. Every message says what must
 * happen to it, decided by construction (never by asking the validator under test):
 * - DLQ: it breaks the contract; it must land in `<topic>.dlq` exactly once, with a reason header;
 * - TERMINAL: a valid event or command; it must reach one of `statuses` and never be dead-lettered;
 * - PERSON: a valid snapshot; the resolver must store it and never dead-letter it;
 * - TOMBSTONE: a valid null value on the compacted person topic; consumed, never dead-lettered;
 * - EITHER: contract-valid but hostile (NUL characters, lone surrogates, absurd integers, ...); it may be
 *   dead-lettered (at most once) when the database refuses it, else it must be processed like any other.
 * `clean` marks messages that carried prototype-pollution keys: what is stored must not have them.
 */
export type Outcome =
  | { kind: 'DLQ' }
  | { kind: 'TERMINAL'; eventId: string; statuses: string[]; channel?: string }
  | { kind: 'PERSON'; personId: string }
  | { kind: 'TOMBSTONE' }
  | { kind: 'EITHER'; eventId?: string; personId?: string };

export interface FuzzMessage {
  topic: Topic;
  /** What was done to it, e.g. `truncated-json` or `broken:payload.verificationCode`; shown on failure. */
  kind: string;
  outcome: Outcome;
  /** Carries prototype-pollution keys: the stored copy must not. */
  clean?: boolean;
  /** So big that its dead letter can only keep the first 64 KiB of the value (`x-dlq-truncated`). */
  truncated?: boolean;
  key: Buffer | string | null;
  value: Buffer | null;
  /** Explicit partition for garbage, so every partition mixes it with valid traffic. */
  partition?: number;
  /** Value of the `fz` header: finds the message again in the DLQ. */
  marker: string;
  headers?: Record<string, Buffer | string>;
}

export const MARKER_HEADER = 'fz';
const PARTITIONS = 6;
const HOUR = 3600_000;

type Json = Record<string, unknown>;

/** What the valid traffic needs from the environment the apps run in. */
export interface FuzzContext {
  runId: string;
  cipher: CodeCipher;
}

// ---------------------------------------------------------------------------------------------------------
// Valid bases

export function otpPerson(prng: SeededRandom, options: { taxId?: boolean } = {}): Json {
  const phone = uniquePhone();
  return {
    id: randomUUID(),
    birthDate: `19${prng.int(50, 99)}-0${prng.int(1, 9)}-1${prng.int(0, 9)}`,
    firstName: prng.pick(['Олена', 'Тарас', 'Ґанна', 'Їжак']),
    lastName: prng.pick(['Коваленко', 'Шевчук', 'Мельник']),
    ...(options.taxId ? { taxId: uniqueTaxId() } : {}),
    verificationStatus: 'VERIFIED',
    phones: [{ type: 'MOBILE', number: phone }],
    authenticationMethods: [otpMethod(phone, '2020-01-01T00:00:00Z')],
    confidantPersons: [],
    updatedAt: new Date().toISOString(),
  };
}

export function offlinePerson(): Json {
  return {
    id: randomUUID(),
    birthDate: '1951-11-03',
    firstName: 'Мар’яна',
    lastName: 'Григор’єва',
    verificationStatus: 'VERIFIED',
    phones: [],
    authenticationMethods: [
      {
        id: randomUUID(),
        type: 'OFFLINE',
        isActive: true,
        startedAt: '2020-01-01T00:00:00Z',
        insertedAt: '2020-01-01T00:00:00Z',
      },
    ],
    confidantPersons: [],
    updatedAt: new Date().toISOString(),
  };
}

export function requestFor(prng: SeededRandom, subjectPersonId: string): Json {
  return {
    eventId: randomUUID(),
    type: 'MEDICATION_REQUEST_CREATED',
    occurredAt: new Date().toISOString(),
    subjectPersonId,
    expiresAt: new Date(Date.now() + HOUR).toISOString(),
    payload: {
      number: `0000-${prng.int(1000, 9999)}-${prng.int(1000, 9999)}-${prng.int(1000, 9999)}`,
      verificationCode: prng.digits(4),
      validFrom: '2026-11-23',
      validUntil: '2026-12-23',
      details: { medication: 'Еналаприл, таблетки 10 мг', quantity: '30 таблеток' },
    },
  };
}

export const CHANNEL_OF: Partial<Record<Topic, string>> = {
  [Topic.DeliveryDiia]: 'DIIA',
  [Topic.DeliveryViber]: 'VIBER',
  [Topic.DeliverySms]: 'SMS',
  [Topic.DeliverySlip]: 'SLIP',
};

/** A command as the resolver would send it: one step, nothing left in the plan, code sealed. */
export function commandFor(prng: SeededRandom, context: FuzzContext, topic: Topic): Json {
  const channel = CHANNEL_OF[topic]!;
  const slip = channel === 'SLIP';
  return {
    deliveryId: randomUUID(),
    notificationId: randomUUID(),
    eventId: randomUUID(),
    type: slip ? 'MEDICATION_REQUEST_CREATED' : prng.pick(['MEDICATION_REQUEST_CREATED', 'AUTH_OTP']),
    channel,
    remainingPlan: [],
    step: 1,
    recipient: {
      personId: randomUUID(),
      role: 'SUBJECT',
      ...(slip ? {} : { phone: uniquePhone() }),
      ...(channel === 'DIIA' ? { taxId: uniqueTaxId() } : {}),
      name: { firstName: 'Олена', lastName: 'Коваленко' },
    },
    content: {
      number: `0000-${prng.int(1000, 9999)}-${prng.int(1000, 9999)}-${prng.int(1000, 9999)}`,
      sealedCode: context.cipher.seal(prng.digits(4)),
      validFrom: '2026-11-23',
      validUntil: '2026-12-23',
      subjectName: { firstName: 'Олена', lastName: 'Коваленко' },
      subjectBirthDate: '1985-04-12',
      ...(slip ? { details: { medication: 'Еналаприл, таблетки 10 мг', quantity: '30 таблеток' } } : {}),
    },
    occurredAt: new Date().toISOString(),
    expiresAt: new Date(Date.now() + HOUR).toISOString(),
  };
}

const terminalOfCommand = (topic: Topic): { statuses: string[]; channel?: string } =>
  topic === Topic.DeliverySlip
    ? { statuses: ['SLIP_READY'] }
    : { statuses: ['DELIVERED'], channel: CHANNEL_OF[topic] };

// ---------------------------------------------------------------------------------------------------------
// Mutations that break the contract (expected: DLQ)

type Mutation = [path: string, value: unknown];
const DROP = Symbol('drop');

const BAD_UUIDS = ['not-a-uuid', '', 42, '6a2f1c4e8a4b4c1e9f6a2b3c4d5e6f70x', '../../etc/passwd', null];
// Strict ISO 8601 accepts these, but they are not contract times (date-time, RFC 3339) and Date.parse
// cannot read most of them: a time the code cannot compare must never get past the edge.
const BAD_TIMES = [
  'yesterday',
  '2026-02-30T00:00:00Z',
  '2026-W01-1',
  '2026-01-01T00Z',
  '20260101T000000Z',
  '2026-01-01T00:00:00,5Z',
  '2026-001',
  '2026-01-01',
  1767225600000,
  null,
];

const PERSON_MUTATIONS: Mutation[] = [
  ...BAD_UUIDS.map((v): Mutation => ['id', v]),
  ['id', DROP],
  ['birthDate', '12.04.1985'],
  ['birthDate', 19850412],
  ['birthDate', null],
  ['firstName', ''],
  ['firstName', 'Щ'.repeat(101)],
  ['firstName', 7],
  ['firstName', null],
  ['firstName', ['Олена']],
  ['lastName', DROP],
  ['secondName', 'x'.repeat(101)],
  ['taxId', '12345'],
  ['taxId', 1234567890],
  ['noTaxId', 'yes'],
  ['verificationStatus', null],
  ['verificationStatus', 'V'.repeat(41)],
  ['isPreperson', 'false'],
  ['phones', null],
  ['phones', {}],
  ['phones', 'phone'],
  ['phones', Array.from({ length: 11 }, () => ({ type: 'MOBILE', number: '+380931234567' }))],
  ['phones.0.number', '0931234567'],
  ['phones.0.number', '+38093123456'],
  ['phones.0.number', '+3809312345678'],
  ['phones.0.number', 380931234567],
  ['phones.0.type', 'SATELLITE'],
  ['phones.0', 'MOBILE'],
  ['authenticationMethods', null],
  ['authenticationMethods.0.type', 'PASSWORD'],
  ['authenticationMethods.0.phoneNumber', '+38 093 123 45 67'],
  ['authenticationMethods.0.phoneNumber', DROP],
  ['authenticationMethods.0.isActive', 'true'],
  ['authenticationMethods.0.startedAt', '2020-13-01T00:00:00Z'],
  ['authenticationMethods.0.insertedAt', null],
  ['authenticationMethods.0.id', 'x'],
  ['authenticationMethods.0', []],
  ['authenticationMethods', Array.from({ length: 51 }, () => ({}))],
  ['confidantPersons', { personId: 'x' }],
  ['confidantPersons', [{ personId: 'x', relationType: 'PRIMARY' }]],
  ['updatedAt', DROP],
  ...BAD_TIMES.map((v): Mutation => ['updatedAt', v]),
];

const REQUEST_MUTATIONS: Mutation[] = [
  ...BAD_UUIDS.map((v): Mutation => ['eventId', v]),
  ['eventId', DROP],
  ['type', 'PRESCRIPTION'],
  ['type', null],
  ['type', 3],
  ...BAD_TIMES.map((v): Mutation => ['occurredAt', v]),
  ...BAD_UUIDS.map((v): Mutation => ['subjectPersonId', v]),
  ['informWith', 'otp'],
  ['informWith', { authMethodId: 'x' }],
  ['informWith', []],
  ['informWith', 5],
  ...BAD_TIMES.filter((v) => v !== null).map((v): Mutation => ['expiresAt', v]),
  ['payload', null],
  ['payload', DROP],
  ['payload', []],
  ['payload', [{ verificationCode: '1234' }]],
  ['payload', 'code 1234'],
  ['payload.number', 'N'.repeat(41)],
  ['payload.number', 12345],
  ['payload.verificationCode', 'abcd'],
  ['payload.verificationCode', '123'],
  ['payload.verificationCode', '123456789'],
  ['payload.verificationCode', 4821],
  ['payload.verificationCode', '48 21'],
  ['payload.encounterId', 'encounter'],
  ['payload.notificationsDisabled', 'true'],
  ['payload.validFrom', '23.11.2026'],
  ['payload.validUntil', 20261223],
  ['payload.details', 'details'],
  ['payload.details', []],
  ['payload.details', { medication: { name: 'x' } }],
  ['payload.details', { medication: 5 }],
  ['payload.details', { medication: 'x'.repeat(501) }],
  ['payload.details', { ['k'.repeat(65)]: 'v' }],
  ['payload.details', Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`k${i}`, 'v']))],
];

const COMMAND_MUTATIONS: Mutation[] = [
  ...BAD_UUIDS.map((v): Mutation => ['deliveryId', v]),
  ['notificationId', 'n'],
  ['notificationId', DROP],
  ['eventId', 'e'],
  ['type', 'SMS'],
  ['channel', 'EMAIL'],
  ['channel', null],
  ['remainingPlan', 'SMS'],
  ['remainingPlan', ['EMAIL']],
  ['remainingPlan', ['SMS', 'SMS', 'SMS', 'SMS', 'SMS']],
  ['remainingPlan', null],
  ['step', 0],
  ['step', -1],
  ['step', 1.5],
  ['step', '1'],
  ['step', null],
  ['recipient', null],
  ['recipient', DROP],
  ['recipient', []],
  ['recipient', 'SUBJECT'],
  ['recipient.personId', 'p'],
  ['recipient.role', 'PATIENT'],
  ['recipient.phone', '0931234567'],
  ['recipient.phone', '+380 93 123 45 67'],
  ['recipient.taxId', 'ABCDEFGHIJ'],
  ['recipient.name', DROP],
  ['recipient.name', []],
  ['recipient.name.firstName', ''],
  ['recipient.name.lastName', 'Щ'.repeat(101)],
  ['content', DROP],
  ['content', []],
  ['content.number', 'N'.repeat(41)],
  ['content.sealedCode', 1234],
  ['content.sealedCode', 's'.repeat(201)],
  ['content.subjectName', DROP],
  ['content.subjectName', 'Олена'],
  ['content.subjectBirthDate', '12.04.1985'],
  ['content.details', { a: 1 }],
  ...BAD_TIMES.map((v): Mutation => ['occurredAt', v]),
  ...BAD_TIMES.filter((v) => v !== null).map((v): Mutation => ['expiresAt', v]),
];

function mutationsOf(topic: Topic): Mutation[] {
  if (topic === Topic.Person) return PERSON_MUTATIONS;
  if (topic === Topic.NotificationRequested) return REQUEST_MUTATIONS;
  return COMMAND_MUTATIONS;
}

function setPath(target: Json, path: string, value: unknown): Json {
  const copy = structuredClone(target);
  const parts = path.split('.');
  let node: Record<string, unknown> = copy;
  for (const part of parts.slice(0, -1)) node = node[part] as Record<string, unknown>;
  const last = parts.at(-1)!;
  if (value === DROP) delete node[last];
  else node[last] = value;
  return copy;
}

// ---------------------------------------------------------------------------------------------------------
// Hostile but contract-valid strings (expected: EITHER)

const HOSTILE_STRINGS = [
  'Олена\u0000',
  'Ол\ud800ена',
  '\udfffx',
  '\u202eанелО',
  '👩‍⚕️🇺🇦',
  'Z̴̡̛͔a̷l̸g̶o̵',
  '\u200b\u200d\ufeff',
  "'; DROP TABLE person; --",
  '%s%n%x%d',
  '${7*7}{{7*7}}',
  '<script>alert(1)</script>',
  'a\n{"level":"fatal","msg":"forged"}',
  '\\u0000',
];

// ---------------------------------------------------------------------------------------------------------
// The generator

export class KafkaFuzzer {
  private count = 0;
  /** Valid OTP subjects (no tax id: Viber delivers) for hostile-but-valid and proto-key events. */
  private readonly subjects: string[] = [];

  constructor(
    private readonly prng: SeededRandom,
    private readonly context: FuzzContext,
  ) {}

  private marker(): string {
    return `${this.context.runId}:${(this.count++).toString(36)}`;
  }

  private message(
    topic: Topic,
    kind: string,
    outcome: Outcome,
    value: Buffer | string | null,
    extra: Partial<FuzzMessage> = {},
  ): FuzzMessage {
    const marker = this.marker();
    return {
      topic,
      kind,
      outcome,
      key: extra.key !== undefined ? extra.key : this.hostileKey(topic),
      value: typeof value === 'string' ? Buffer.from(value, 'utf8') : value,
      partition: extra.partition ?? (outcome.kind === 'DLQ' ? this.prng.int(0, PARTITIONS - 1) : undefined),
      marker,
      headers: { [MARKER_HEADER]: marker, ...this.hostileHeaders(), ...extra.headers },
      clean: extra.clean,
    };
  }

  private hostileKey(topic: Topic): Buffer | string | null {
    switch (this.prng.int(0, 5)) {
      case 0:
        // The broker refuses keyless records on a compacted topic (esoz.person.v1).
        return topic === Topic.Person ? '' : null;
      case 1:
        return this.prng.bytes(this.prng.int(1, 64));
      case 2:
        return Buffer.from([0x6b, 0xff, 0xfe, 0xc3, 0x28]); // not UTF-8
      case 3:
        return 'k'.repeat(this.prng.int(1000, 8000));
      default:
        return randomUUID();
    }
  }

  private hostileHeaders(): Record<string, Buffer | string> {
    if (!this.prng.chance(0.2)) return {};
    return {
      'x-dlq-reason': 'forged by the producer',
      'content-type': this.prng.bytes(8),
      [`h-${this.prng.int(0, 9)}`]: Buffer.from([0xc0, 0xaf]),
    };
  }

  private base(topic: Topic): Json {
    if (topic === Topic.Person) return otpPerson(this.prng);
    if (topic === Topic.NotificationRequested) return requestFor(this.prng, randomUUID());
    return commandFor(this.prng, this.context, topic);
  }

  // --- valid traffic -------------------------------------------------------------------------------------

  /** A person and an event that must reach its terminal status: Viber, Diia (tax id) or a slip (OFFLINE). */
  validPair(kind: 'VIBER' | 'DIIA' | 'SLIP'): FuzzMessage[] {
    const person =
      kind === 'SLIP' ? offlinePerson() : otpPerson(this.prng, { taxId: kind === 'DIIA' ? true : false });
    if (kind === 'VIBER') this.subjects.push(person.id as string);
    const event = requestFor(this.prng, person.id as string);
    const outcome: Outcome =
      kind === 'SLIP'
        ? { kind: 'TERMINAL', eventId: event.eventId as string, statuses: ['SLIP_READY'] }
        : { kind: 'TERMINAL', eventId: event.eventId as string, statuses: ['DELIVERED'], channel: kind };
    return [
      this.message(
        Topic.Person,
        `valid-person:${kind}`,
        { kind: 'PERSON', personId: person.id as string },
        JSON.stringify(person),
        { key: person.id as string },
      ),
      this.message(Topic.NotificationRequested, `valid-event:${kind}`, outcome, JSON.stringify(event), {
        key: person.id as string,
      }),
    ];
  }

  validCommand(topic: Topic): FuzzMessage {
    const command = commandFor(this.prng, this.context, topic);
    return this.message(
      topic,
      'valid-command',
      { kind: 'TERMINAL', eventId: command.eventId as string, ...terminalOfCommand(topic) },
      JSON.stringify(command),
      { key: command.notificationId as string },
    );
  }

  // --- garbage (expected: DLQ) ---------------------------------------------------------------------------

  garbage(topic: Topic): FuzzMessage {
    const dlq: Outcome = { kind: 'DLQ' };
    const generators: (() => FuzzMessage)[] = [
      () => this.message(topic, 'random-bytes', dlq, this.prng.bytes(this.prng.int(1, 3000))),
      () => this.message(topic, 'invalid-utf8', dlq, this.invalidUtf8(topic)),
      () => {
        const text = JSON.stringify(this.base(topic));
        return this.message(topic, 'truncated-json', dlq, text.slice(0, this.prng.int(1, text.length - 1)));
      },
      () => {
        const shapes = ['null', 'true', '42', '-0.0e-0', '"esoz"', '[]', '{}', '[{}]', '""'];
        return this.message(topic, 'wrong-top-level', dlq, this.prng.pick(shapes));
      },
      () => this.message(topic, 'array-of-valid', dlq, JSON.stringify([this.base(topic)])),
      () => this.broken(topic),
      () => this.broken(topic),
      () => this.broken(topic),
      () => this.oversized(topic),
      () => this.deepNesting(topic),
      () => this.message(topic, 'null-value', dlq, topic === Topic.Person ? 'null' : null),
      () =>
        this.message(
          topic,
          'bom-and-json',
          dlq,
          Buffer.concat([Buffer.from([0xfe, 0xff]), this.json(topic)]),
        ),
      () => this.message(topic, 'utf16-json', dlq, Buffer.from(JSON.stringify(this.base(topic)), 'utf16le')),
    ];
    return this.prng.pick(generators)();
  }

  /** Tiny garbage in bulk on one partition: a consumer that starts behind fetches all of it in one batch. */
  flood(topic: Topic, partition: number, count: number): FuzzMessage[] {
    return Array.from({ length: count }, () =>
      this.message(topic, 'flood', { kind: 'DLQ' }, this.prng.pick(['x', '{', '[', '1', 'null', '"']), {
        key: null,
        partition,
        headers: {},
      }),
    );
  }

  /** `size` bytes of garbage: sized by the caller to the broker's own limit. */
  atLimit(topic: Topic, partition: number, size: number): FuzzMessage {
    const message = this.message(topic, `at-broker-limit:${size}`, { kind: 'DLQ' }, Buffer.alloc(size, 'A'), {
      key: null,
      partition,
    });
    return { ...message, truncated: true };
  }

  private json(topic: Topic): Buffer {
    return Buffer.from(JSON.stringify(this.base(topic)), 'utf8');
  }

  private invalidUtf8(topic: Topic): Buffer {
    const text = this.json(topic);
    // Inside the first string value, so the bytes are otherwise a perfectly valid message.
    const at = text.indexOf(':"') + 2;
    const bad = this.prng.pick([
      [0xff],
      [0xc3, 0x28],
      [0xe2, 0x82],
      [0xc0, 0xaf],
      [0xed, 0xa0, 0x80],
      [0xf8, 0x88, 0x80, 0x80, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
    ]);
    return Buffer.concat([text.subarray(0, at), Buffer.from(bad), text.subarray(at)]);
  }

  private broken(topic: Topic): FuzzMessage {
    const [path, value] = this.prng.pick(mutationsOf(topic));
    const shown = value === DROP ? 'missing' : JSON.stringify(value)?.slice(0, 20);
    return this.message(
      topic,
      `broken:${path}=${shown}`,
      { kind: 'DLQ' },
      JSON.stringify(setPath(this.base(topic), path, value)),
    );
  }

  private oversized(topic: Topic): FuzzMessage {
    const base = this.base(topic);
    switch (this.prng.int(0, 2)) {
      case 0: {
        // Over the 64 KiB limit by a little: valid JSON, valid message, too big.
        const size = JSON.stringify(base).length;
        const junk = 'Щ'.repeat(Math.ceil((MAX_MESSAGE_BYTES - size) / 2) + this.prng.int(1, 2000));
        return this.message(topic, 'over-limit', { kind: 'DLQ' }, JSON.stringify({ ...base, junk }));
      }
      case 1:
        return this.message(
          topic,
          'far-over-limit',
          { kind: 'DLQ' },
          this.prng.bytes(this.prng.int(70_000, 300_000)),
        );
      default: {
        // Just under the limit, but in a field with a length rule.
        const path =
          topic === Topic.Person
            ? 'firstName'
            : topic === Topic.NotificationRequested
              ? 'payload.number'
              : 'recipient.name.firstName';
        const huge = 'x'.repeat(MAX_MESSAGE_BYTES - JSON.stringify(base).length - this.prng.int(100, 1000));
        return this.message(
          topic,
          `near-limit:${path}`,
          { kind: 'DLQ' },
          JSON.stringify(setPath(base, path, huge)),
        );
      }
    }
  }

  private deepNesting(topic: Topic): FuzzMessage {
    const depth = this.prng.pick([1000, 5000, 10_000]);
    switch (this.prng.int(0, 2)) {
      case 0:
        return this.message(
          topic,
          `deep-array:${depth}`,
          { kind: 'DLQ' },
          '['.repeat(depth) + ']'.repeat(depth),
        );
      case 1: {
        // In place of a string field: wrong there at any depth (unknown extra fields are allowed).
        const nested = '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
        const text = JSON.stringify(this.base(topic));
        const field = topic === Topic.Person ? '"firstName":' : '"number":';
        const at = text.indexOf(field) + field.length;
        const end = text.indexOf('",', at) + 1;
        return this.message(
          topic,
          `deep-object:${depth}`,
          { kind: 'DLQ' },
          text.slice(0, at) + nested + text.slice(end),
        );
      }
      default:
        return this.message(
          topic,
          `deep-mixed:${depth}`,
          { kind: 'DLQ' },
          '[{"__proto__":'.repeat(depth) + 'null' + '}]'.repeat(depth),
        );
    }
  }

  // --- hostile but valid (expected: processed, or EITHER) -----------------------------------------------

  /** A valid message with prototype-pollution keys at several levels: processed as if they were not there. */
  protoKeys(topic: Topic): FuzzMessage {
    // Written as JSON text: in a JS object literal `__proto__` would set the prototype, not add a key.
    const top =
      '"__proto__":{"polluted":"yes","notificationsDisabled":true,"isActive":true},' +
      '"constructor":{"prototype":{"polluted":"yes"}},"prototype":{"polluted":"yes"}';
    const inject = (text: string, field: string) => {
      const at = text.indexOf(`"${field}":{`) + field.length + 4;
      return `${text.slice(0, at)}${top},${text.slice(at)}`;
    };
    if (topic === Topic.Person) {
      const person = otpPerson(this.prng);
      const text = `{${top},${JSON.stringify(person).slice(1)}`.replace(
        '"authenticationMethods":[{',
        `"authenticationMethods":[{${top},`,
      );
      return this.message(topic, 'proto-keys', { kind: 'PERSON', personId: person.id as string }, text, {
        key: person.id as string,
        clean: true,
      });
    }
    if (topic === Topic.NotificationRequested) {
      const event = requestFor(this.prng, this.subject());
      const text = inject(inject(`{${top},${JSON.stringify(event).slice(1)}`, 'payload'), 'details');
      return this.message(
        topic,
        'proto-keys',
        { kind: 'TERMINAL', eventId: event.eventId as string, statuses: ['DELIVERED'], channel: 'VIBER' },
        text,
        { key: event.subjectPersonId as string, clean: true },
      );
    }
    const command = commandFor(this.prng, this.context, topic);
    const text = inject(inject(`{${top},${JSON.stringify(command).slice(1)}`, 'content'), 'recipient');
    return this.message(
      topic,
      'proto-keys',
      { kind: 'TERMINAL', eventId: command.eventId as string, ...terminalOfCommand(topic) },
      text,
      { key: command.notificationId as string, clean: true },
    );
  }

  /** Contract-valid but nasty: control characters, lone surrogates, absurd integers, unknown extra fields. */
  hostileValid(topic: Topic): FuzzMessage {
    const nasty = this.prng.pick(HOSTILE_STRINGS);
    // Unknown extra fields are allowed (forward compatibility): big, or nested deep.
    const extra = this.prng.pick<Json>([
      {},
      {},
      { junk: 'j'.repeat(this.prng.int(1, 40_000)) },
      { nested: JSON.parse('{"a":'.repeat(500) + '1' + '}'.repeat(500)) as unknown },
    ]);
    if (topic === Topic.Person) {
      const person = { ...otpPerson(this.prng), ...extra };
      const field = this.prng.pick(['firstName', 'lastName', 'secondName']);
      (person as Json)[field] = nasty;
      return this.message(
        topic,
        `hostile-valid:${field}`,
        { kind: 'EITHER', personId: person.id as string },
        JSON.stringify(person),
        {
          key: person.id as string,
        },
      );
    }
    if (topic === Topic.NotificationRequested) {
      const event = { ...requestFor(this.prng, this.subject()), ...extra } as Json & { payload: Json };
      const field = this.prng.pick(['details', 'number', 'validUntil']);
      if (field === 'details')
        event.payload.details = { medication: nasty, [nasty.slice(0, 60) || 'k']: nasty };
      else if (field === 'number') event.payload.number = nasty.slice(0, 40);
      else event.payload.validUntil = '9999-99-99';
      return this.message(
        topic,
        `hostile-valid:payload.${field}`,
        { kind: 'EITHER', eventId: event.eventId as string },
        JSON.stringify(event),
        {
          key: event.subjectPersonId as string,
        },
      );
    }
    const command = { ...commandFor(this.prng, this.context, topic), ...extra } as Json & {
      recipient: { name: Json };
      content: Json;
    };
    const field = this.prng.pick(['name', 'number', 'step', 'details', 'validUntil']);
    if (field === 'name') command.recipient.name.firstName = nasty;
    else if (field === 'number') command.content.number = nasty.slice(0, 40);
    else if (field === 'step') command.step = this.prng.pick([2 ** 31, 1e308, Number.MAX_SAFE_INTEGER]);
    else if (field === 'details') command.content.details = { medication: nasty };
    else command.content.validUntil = '0000-00-00';
    return this.message(
      topic,
      `hostile-valid:${field}`,
      { kind: 'EITHER', eventId: command.eventId as string },
      JSON.stringify(command),
      {
        key: command.notificationId as string,
      },
    );
  }

  /** A tombstone for a person nobody knows, with a hostile key: consumed, never dead-lettered. */
  tombstone(): FuzzMessage {
    return this.message(Topic.Person, 'tombstone', { kind: 'TOMBSTONE' }, null, {
      key: this.prng.pick([randomUUID(), 'not-a-uuid', '', "'; DELETE FROM person; --"]),
    });
  }

  private subject(): string {
    if (this.subjects.length === 0) throw new Error('produce a valid VIBER pair before hostile events');
    return this.prng.pick(this.subjects);
  }
}
