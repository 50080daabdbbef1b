import type { Kafka, TopicMessages } from 'kafkajs';
import { KafkaProducer } from './producer';

/** A kafkajs client whose producer answers sendBatch with the given results, in order. */
function kafkaAnswering(results: (Error | undefined)[]) {
  const calls: { topicMessages: TopicMessages[]; acks?: number }[] = [];
  const options: unknown[] = [];
  const kafka = {
    producer: (producerOptions: unknown) => {
      options.push(producerOptions);
      return {
        sendBatch: async (batch: { topicMessages: TopicMessages[]; acks?: number }) => {
          calls.push(batch);
          const result = results[calls.length - 1];
          if (result) throw result;
          return [];
        },
      };
    },
  } as unknown as Kafka;
  return { kafka, calls, options };
}

const kafkajsError = (name: string) => Object.assign(new Error(name), { name });
const BATCH: TopicMessages[] = [
  { topic: 'a', messages: [{ key: '1', value: 'x' }] },
  { topic: 'b', messages: [{ key: '2', value: 'y' }] },
];
const FAST = { attempts: 3, initialDelayMs: 1, maxDelayMs: 2 };

describe('KafkaProducer.sendBatch', () => {
  it("turns kafkajs' own produce retry off (it skips brokers that answered before and loses messages)", () => {
    const { kafka, options } = kafkaAnswering([]);
    new KafkaProducer(kafka, FAST);
    expect(options).toEqual([expect.objectContaining({ retry: { retries: 0 } })]);
  });

  it('re-sends the whole batch, every topic, with acks=-1 after a retriable failure', async () => {
    const { kafka, calls } = kafkaAnswering([kafkajsError('KafkaJSNumberOfRetriesExceeded'), undefined]);
    await new KafkaProducer(kafka, FAST).sendBatch(BATCH);
    expect(calls).toEqual([
      { topicMessages: BATCH, acks: -1 },
      { topicMessages: BATCH, acks: -1 },
    ]);
  });

  it('gives up after the configured attempts and throws, so the caller keeps its messages', async () => {
    const failure = kafkajsError('KafkaJSNumberOfRetriesExceeded');
    const { kafka, calls } = kafkaAnswering([failure, failure, failure, undefined]);
    await expect(new KafkaProducer(kafka, FAST).sendBatch(BATCH)).rejects.toBe(failure);
    expect(calls).toHaveLength(3);
  });

  it('throws a non-retriable failure at once', async () => {
    const tooLarge = kafkajsError('KafkaJSProtocolError');
    const { kafka, calls } = kafkaAnswering([tooLarge, undefined]);
    await expect(new KafkaProducer(kafka, FAST).sendBatch(BATCH)).rejects.toBe(tooLarge);
    expect(calls).toHaveLength(1);
  });
});
