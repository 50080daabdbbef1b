import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import 'reflect-metadata';
import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { getMetadataStorage } from 'class-validator';
import * as enums from './enums';
import { DeliveryCommand } from './delivery-command';
import { NotificationRequested } from './notification-requested';
import { NotificationStatus } from './notification-status';
import { PersonSnapshot } from './person-snapshot';
import { CONSUMED_TOPICS, dlqTopic, Topic, topicSpecs } from './topics';

/**
 * Keeps libs/contracts/asyncapi.json honest: everything below is derived from the contract classes'
 * class-validator metadata and from enums.ts / topics.ts, so adding a field, a rule, an enum value or a
 * topic without documenting it fails here.
 */

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type ValidationMetadata = ReturnType<
  ReturnType<typeof getMetadataStorage>['getTargetValidationMetadatas']
>[number];

const doc: Json = JSON.parse(readFileSync(join(__dirname, '..', 'asyncapi.json'), 'utf8'));
const schemas: Json = doc.components.schemas;

/** Which class is the value of which topic (architecture.md §3). */
const VALUE_CLASS: Record<Topic, ClassConstructor<object>> = {
  [Topic.Person]: PersonSnapshot,
  [Topic.NotificationRequested]: NotificationRequested,
  [Topic.DeliveryDiia]: DeliveryCommand,
  [Topic.DeliveryViber]: DeliveryCommand,
  [Topic.DeliverySms]: DeliveryCommand,
  [Topic.DeliverySlip]: DeliveryCommand,
  [Topic.NotificationStatus]: NotificationStatus,
};
const ROOT_CLASSES = [...new Set(Object.values(VALUE_CLASS))];

const DLQ_HEADERS = [
  'x-dlq-reason',
  'x-original-topic',
  'x-original-partition',
  'x-original-offset',
  'x-failed-at',
  'x-consumer-group',
];

function pointer(ref: string): Json {
  expect(ref.startsWith('#/')).toBe(true);
  const target = ref
    .slice(2)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<Json | undefined>((node, part) => node?.[part], doc);
  if (target === undefined) throw new Error(`unresolved $ref ${ref}`);
  return target;
}

const deref = (schema: Json): Json => (schema.$ref ? deref(pointer(schema.$ref)) : schema);
const refName = (schema: Json | undefined): string | undefined =>
  schema?.$ref?.replace('#/components/schemas/', '');

function metadataOf(cls: ClassConstructor<object>): Map<string, ValidationMetadata[]> {
  const byProperty = new Map<string, ValidationMetadata[]>();
  for (const metadata of getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false)) {
    byProperty.set(metadata.propertyName, [...(byProperty.get(metadata.propertyName) ?? []), metadata]);
  }
  return byProperty;
}

/** The class a @ValidateNested property is turned into, found through class-transformer's public API. */
function nestedClassOf(
  cls: ClassConstructor<object>,
  property: string,
  isArray: boolean,
): ClassConstructor<object> {
  const probe = plainToInstance(cls, { [property]: isArray ? [{}] : {} }) as Record<string, unknown>;
  const value = isArray ? (probe[property] as unknown[])[0] : probe[property];
  const ctor = (value as object).constructor as ClassConstructor<object>;
  if (ctor === Object) throw new Error(`${cls.name}.${property} is @ValidateNested without @Type`);
  return ctor;
}

/** String enums exported by enums.ts (`{ A: 'A', ... } as const`), by export name. */
const NAMED_ENUMS: Record<string, string[]> = Object.fromEntries(
  Object.entries(enums)
    .filter(
      ([, value]) =>
        typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype,
    )
    .map(([name, value]) => [name, Object.values(value as Record<string, string>)]),
);

const sorted = (values: readonly unknown[]) => [...values].map(String).sort();

/** Walks the root classes and every class reachable through @ValidateNested. */
function allClasses(): ClassConstructor<object>[] {
  const seen = new Set<ClassConstructor<object>>();
  const visit = (cls: ClassConstructor<object>) => {
    if (seen.has(cls)) return;
    seen.add(cls);
    for (const [property, metadatas] of metadataOf(cls)) {
      if (metadatas.some((m) => m.type === 'nestedValidation')) {
        const isArray = metadatas.some((m) => m.name === 'isArray');
        visit(nestedClassOf(cls, property, isArray));
      }
    }
  };
  ROOT_CLASSES.forEach(visit);
  return [...seen];
}

const CLASSES = allClasses();

/** Checks one validation rule of `cls.property` against the property's schema; returns an error or null. */
function checkRule(
  cls: ClassConstructor<object>,
  property: string,
  metadata: ValidationMetadata,
  propSchema: Json,
  isArray: boolean,
): string | null {
  const at = `${cls.name}.${property} @${metadata.name ?? metadata.type}`;
  const target = metadata.each ? propSchema.items : propSchema;
  if (!target) return `${at}: rule applies to each item but the schema has no items`;
  const s = deref(target);
  const c = metadata.constraints ?? [];
  const want = (ok: boolean, what: string) =>
    ok ? null : `${at}: schema should have ${what}, has ${JSON.stringify(target)}`;
  if (metadata.type === 'conditionalValidation') return null; // handled by the required-list checks
  if (metadata.type === 'nestedValidation') {
    const ref = isArray ? refName(propSchema.items) : refName(propSchema);
    const expected = nestedClassOf(cls, property, isArray).name;
    return want(ref === expected, `${isArray ? 'items ' : ''}$ref #/components/schemas/${expected}`);
  }
  switch (metadata.name) {
    case 'isUuid':
      return want(s.type === 'string' && s.format === 'uuid', 'type string, format uuid');
    case 'isIso8601':
    case 'isTimestamp':
      return want(s.type === 'string' && s.format === 'date-time', 'type string, format date-time');
    case 'matches':
      return want(
        s.type === 'string' && s.pattern === (c[0] as RegExp).source,
        `type string, pattern ${(c[0] as RegExp).source}`,
      );
    case 'isString':
      return want(s.type === 'string', 'type string');
    case 'isBoolean':
      return want(s.type === 'boolean', 'type boolean');
    case 'isInt':
      return want(s.type === 'integer', 'type integer');
    case 'isObject':
      return want(s.type === 'object', 'type object');
    case 'isArray':
      return want(s.type === 'array', 'type array');
    case 'min':
      return want(s.minimum === c[0], `minimum ${c[0]}`);
    case 'maxLength':
      return want(s.maxLength === c[0], `maxLength ${c[0]}`);
    case 'isLength':
      return want(s.minLength === c[0] && s.maxLength === c[1], `minLength ${c[0]}, maxLength ${c[1]}`);
    case 'arrayMaxSize':
      return want(s.maxItems === c[0], `maxItems ${c[0]}`);
    case 'isFlatStringRecord':
      return want(refName(target) === 'NotificationDetails', '$ref #/components/schemas/NotificationDetails');
    case 'isIn': {
      const allowed = c[0] as unknown[];
      if (!Array.isArray(s.enum) || JSON.stringify(sorted(s.enum)) !== JSON.stringify(sorted(allowed))) {
        return `${at}: schema enum ${JSON.stringify(s.enum)} differs from the class's ${JSON.stringify(allowed)}`;
      }
      const named = Object.entries(NAMED_ENUMS).find(
        ([, values]) => JSON.stringify(sorted(values)) === JSON.stringify(sorted(allowed)),
      );
      return named
        ? want(refName(target) === named[0], `$ref #/components/schemas/${named[0]} (enums.ts ${named[0]})`)
        : null;
    }
    default:
      return `${at}: no schema mapping for this validator; document it in asyncapi.json and teach this spec`;
  }
}

describe('asyncapi.json', () => {
  it('is an AsyncAPI 3.0.0 document whose $refs all resolve', () => {
    expect(doc.asyncapi).toBe('3.0.0');
    expect(doc.info).toMatchObject({ title: 'esoz-notify', version: '1.0.0' });
    expect(doc.servers.local).toMatchObject({ host: '127.0.0.1:9092', protocol: 'kafka' });
    const refs: string[] = [];
    const collect = (node: unknown) => {
      if (Array.isArray(node)) node.forEach(collect);
      else if (node && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) {
          if (key === '$ref') refs.push(value as string);
          else collect(value);
        }
      }
    };
    collect(doc);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(() => pointer(ref)).not.toThrow();
  });

  it('has a channel for every topic and a .dlq twin for every consumed topic, and nothing else', () => {
    const addresses = Object.values<Json>(doc.channels).map((channel) => channel.address);
    const expected = [...Object.values(Topic), ...CONSUMED_TOPICS.map(dlqTopic)];
    expect(sorted(addresses)).toEqual(sorted(expected));
    expect(new Set(addresses).size).toBe(addresses.length);
  });

  it('has one operation per channel: receive for consumed topics, send for produced ones', () => {
    const specs = new Map(topicSpecs().map((spec) => [spec.topic, spec]));
    for (const [id, channel] of Object.entries<Json>(doc.channels)) {
      const ops = Object.values<Json>(doc.operations).filter((op) => op.channel.$ref === `#/channels/${id}`);
      expect({ topic: channel.address, operations: ops.length }).toEqual({
        topic: channel.address,
        operations: 1,
      });
      const consumed = (CONSUMED_TOPICS as readonly string[]).includes(channel.address);
      expect({ topic: channel.address, action: ops[0].action }).toEqual({
        topic: channel.address,
        action: consumed ? 'receive' : 'send',
      });
      for (const message of ops[0].messages)
        expect(message.$ref.startsWith(`#/channels/${id}/messages/`)).toBe(true);

      const spec = specs.get(channel.address)!;
      const kafka = channel.bindings.kafka;
      expect({
        topic: spec.topic,
        partitions: kafka.partitions,
        compacted: kafka.topicConfiguration?.['cleanup.policy']?.includes('compact') ?? false,
      }).toEqual({
        topic: spec.topic,
        partitions: spec.partitions,
        compacted: spec.compacted,
      });
    }
    expect(Object.keys(doc.operations)).toHaveLength(Object.keys(doc.channels).length);
  });

  it('documents the value class of each topic, the person tombstone and the dead-letter headers', () => {
    for (const channel of Object.values<Json>(doc.channels)) {
      const messages = Object.values<Json>(channel.messages).map(deref);
      if (channel.address.endsWith('.dlq')) {
        expect(messages).toHaveLength(1);
        expect(sorted(messages[0].headers.required)).toEqual(sorted(DLQ_HEADERS));
        expect(sorted(Object.keys(messages[0].headers.properties))).toEqual(sorted(DLQ_HEADERS));
        continue;
      }
      const payloads = messages.map((message) => refName(message.payload) ?? message.payload.type);
      const valueClass = VALUE_CLASS[channel.address as Topic].name;
      expect(payloads).toEqual(channel.address === Topic.Person ? [valueClass, 'null'] : [valueClass]);
      for (const message of messages) expect(message.bindings.kafka.key).toBeDefined();
    }
  });

  it('has exactly enums.ts values for every named enum', () => {
    expect(Object.keys(NAMED_ENUMS).length).toBeGreaterThan(0);
    for (const [name, values] of Object.entries(NAMED_ENUMS)) {
      expect({ name, enum: schemas[name]?.enum }).toEqual({ name, enum: values });
    }
    for (const status of enums.TERMINAL_STATUSES) expect(doc.info.description).toContain(`\`${status}\``);
  });

  describe.each(CLASSES.map((cls) => [cls.name, cls] as const))('%s', (name, cls) => {
    const metadata = metadataOf(cls);
    const schema = () => schemas[name] as Json;

    it('has a schema with exactly the validated properties', () => {
      expect(schema()).toBeDefined();
      expect(schema().type).toBe('object');
      expect(sorted(Object.keys(schema().properties))).toEqual(sorted([...metadata.keys()]));
    });

    it('requires exactly the properties without conditional validation', () => {
      const conditional = (property: string) =>
        metadata.get(property)!.some((m) => m.type === 'conditionalValidation');
      const required = [...metadata.keys()].filter((property) => !conditional(property));
      expect(sorted(schema().required ?? [])).toEqual(sorted(required));

      // @ValidateIf (a conditionalValidation that is not @IsOptional) must be spelled out as if/then.
      const conditionallyRequired = (schema().allOf ?? []).flatMap(
        (branch: Json) => branch.then?.required ?? [],
      );
      const validateIf = [...metadata.keys()].filter((property) =>
        metadata.get(property)!.some((m) => m.type === 'conditionalValidation' && m.name !== 'isOptional'),
      );
      expect(sorted(conditionallyRequired)).toEqual(sorted(validateIf));
    });

    it('describes every validation rule', () => {
      const errors: string[] = [];
      for (const [property, metadatas] of metadata) {
        const propSchema = schema().properties?.[property];
        if (!propSchema) continue; // reported by the property-names test
        const isArray = metadatas.some((m) => m.name === 'isArray');
        for (const m of metadatas) {
          const error = checkRule(cls, property, m, propSchema, isArray);
          if (error) errors.push(error);
        }
      }
      expect(errors).toEqual([]);
    });
  });

  it('has no stale object schemas', () => {
    const documented = Object.entries<Json>(schemas)
      .filter(([, schema]) => schema.type === 'object' && schema.properties)
      .map(([name]) => name);
    expect(sorted(documented)).toEqual(sorted(CLASSES.map((cls) => cls.name)));
  });
});
