import { setTimeout as sleep } from 'node:timers/promises';
import type { Kafka, Message, Producer, TopicMessages } from 'kafkajs';

export interface SendRetryOptions {
  /** Whole-batch attempts before sendBatch gives up and throws (the caller keeps its messages). */
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

const DEFAULT_SEND_RETRY: SendRetryOptions = { attempts: 8, initialDelayMs: 200, maxDelayMs: 5000 };

/**
 * The app's single producer. Messages are always sent in batches (kafkajs does no client-side batching).
 *
 * kafkajs' own produce retry is off on purpose: kafkajs 2.2.4 keeps the brokers that already answered a
 * batch across its retries and skips them, so when a broker dies mid-send, partitions whose leadership moved
 * to a broker that had answered are never sent, yet the send resolves (tulios/kafkajs#1303, PR #1798; our
 * chaos run lost a delivery command this way). Retrying the whole batch here re-sends every message to the
 * current leaders; a message that had already been written is written again, which every consumer of ours
 * absorbs (commands and statuses are idempotent by delivery and event id).
 */
export class KafkaProducer {
  private readonly producer: Producer;
  private connected = false;

  constructor(
    kafka: Kafka,
    private readonly retry: SendRetryOptions = DEFAULT_SEND_RETRY,
  ) {
    this.producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
  }

  async connect(): Promise<void> {
    if (this.connected) return;
    await this.producer.connect();
    this.connected = true;
  }

  async disconnect(): Promise<void> {
    if (!this.connected) return;
    this.connected = false;
    await this.producer.disconnect();
  }

  get isConnected(): boolean {
    return this.connected;
  }

  /** acks=-1: resolves only once every in-sync replica has every message of the batch. */
  async sendBatch(topicMessages: TopicMessages[]): Promise<void> {
    if (topicMessages.length === 0) return;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.producer.sendBatch({ topicMessages, acks: -1 });
        return;
      } catch (error) {
        // With its own retries off, kafkajs reports a retriable failure (connection, leadership) as
        // KafkaJSNumberOfRetriesExceeded, after refreshing its metadata; anything else (a message too large,
        // an unknown topic) would fail again the same way.
        const retriable = (error as Error).name === 'KafkaJSNumberOfRetriesExceeded';
        if (!retriable || attempt >= this.retry.attempts) throw error;
        const delay = Math.min(this.retry.maxDelayMs, this.retry.initialDelayMs * 2 ** (attempt - 1));
        await sleep(delay / 2 + Math.random() * (delay / 2));
      }
    }
  }

  async send(topic: string, messages: Message[]): Promise<void> {
    await this.sendBatch([{ topic, messages }]);
  }
}
