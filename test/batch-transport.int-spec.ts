import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Controller, type INestMicroservice, Module, UseFilters } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, Payload } from '@nestjs/microservices';
import { IsInt, IsString } from 'class-validator';
import { dlqTopic } from '@app/contracts';
import {
  BatchKafkaServer,
  type InboundMessage,
  KafkaProducer,
  PermanentError,
  RethrowRpcErrorsFilter,
  RetriableError,
} from '@app/kafka';
import { createLogger } from '@app/platform';
import { eventually, produce, testKafka } from '@app/testing';
import type { Admin, Producer } from 'kafkajs';

jest.setTimeout(120_000);

class Probe {
  @IsString() id!: string;
  @IsInt() n!: number;
}

const TOPIC = `test.transport.${randomUUID()}`;
const seen: string[] = [];
const attempts = new Map<string, number>();

/** Behaviour per message id: how the handler fails before (maybe) succeeding. */
function behave(id: string): void {
  const attempt = (attempts.get(id) ?? 0) + 1;
  attempts.set(id, attempt);
  if (id.startsWith('flaky') && attempt <= 2) throw new RetriableError('DATABASE_BUSY');
  if (id.startsWith('poison')) throw new PermanentError('CANNOT_EVER_WORK');
  if (id.startsWith('bug')) throw new TypeError('a programming error');
}

@Controller()
@UseFilters(RethrowRpcErrorsFilter)
class ProbeConsumer {
  @EventPattern<Record<string, InboundMessage<Probe>[]>>(TOPIC)
  async handle(@Payload() messages: InboundMessage<Probe>[]): Promise<void> {
    for (const message of messages) behave(message.value.id);
    seen.push(...messages.map((message) => message.value.id));
  }
}

@Module({ controllers: [ProbeConsumer] })
class ProbeModule {}

describe('BatchKafkaServer (real broker)', () => {
  const kafka = testKafka();
  let admin: Admin;
  let producer: Producer;
  let microservice: INestMicroservice;
  let dlqProducer: KafkaProducer;

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: TOPIC, numPartitions: 1 },
        { topic: dlqTopic(TOPIC), numPartitions: 1 },
      ],
    });
    producer = kafka.producer();
    await producer.connect();
    dlqProducer = new KafkaProducer(kafka);
    const logger = createLogger('transport-test', 'silent');
    microservice = await NestFactory.createMicroservice(ProbeModule, {
      logger: false,
      strategy: new BatchKafkaServer({
        kafka,
        groupId: `transport-test-${randomUUID()}`,
        bindings: [{ topic: TOPIC, schema: Probe }],
        producer: dlqProducer,
        logger,
        maxRetryDelayMs: 300,
      }),
    });
    await microservice.listen();
  });

  afterAll(async () => {
    await microservice?.close();
    await dlqProducer?.disconnect();
    await producer?.disconnect();
    await admin?.deleteTopics({ topics: [TOPIC, dlqTopic(TOPIC)] }).catch(() => undefined);
    await admin?.disconnect();
  });

  it('retries retriable errors, isolates and dead-letters poison, and keeps the partition flowing', async () => {
    const messages = ['ok-1', 'flaky-1', 'poison-1', 'bug-1', 'ok-2'].map((id, n) => ({
      key: 'same-partition',
      value: { id, n },
    }));
    await produce(producer, TOPIC, [
      ...messages,
      { key: 'same-partition', value: { id: 'wrong-type', n: 'one' } },
      { key: 'same-partition', value: { id: 'ok-3', n: 9 } },
    ]);

    await eventually(async () => (seen.includes('ok-3') ? true : undefined), 'the last valid message');
    expect(seen.filter((id) => id === 'flaky-1')).toHaveLength(1);
    expect(attempts.get('flaky-1')).toBeGreaterThanOrEqual(3);
    expect(seen).toEqual(expect.arrayContaining(['ok-1', 'flaky-1', 'ok-2', 'ok-3']));
    expect(seen).not.toContain('poison-1');
    expect(seen).not.toContain('bug-1');
    // Permanent: no retry (one attempt inside the batch, one alone once the batch is split to isolate it).
    expect(attempts.get('poison-1')).toBeLessThanOrEqual(2);
    // Unknown: three attempts alone, then the DLQ (plus the batch attempt that exposed it).
    expect([3, 4]).toContain(attempts.get('bug-1'));

    const dead = new Map<string, string>();
    const reader = kafka.consumer({ groupId: `dlq-${randomUUID()}` });
    await reader.connect();
    await reader.subscribe({ topic: dlqTopic(TOPIC), fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) =>
        void dead.set(JSON.parse(message.value!.toString()).id, String(message.headers!['x-dlq-reason'])),
    });
    await eventually(async () => (dead.size >= 3 ? true : undefined), 'three dead letters');
    await reader.disconnect();
    expect(Object.fromEntries(dead)).toEqual({
      'poison-1': 'CANNOT_EVER_WORK',
      'bug-1': 'UNHANDLED_TypeError',
      'wrong-type': 'INVALID_MESSAGE: n (isInt)',
    });
  });
});
