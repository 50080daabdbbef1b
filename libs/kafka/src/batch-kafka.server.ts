import { BaseRpcContext, type CustomTransportStrategy, Server } from '@nestjs/microservices';
import { parseJson, validateMessage, dlqTopic, InvalidMessageError, withPrefix } from '@app/contracts';
import type { ClassConstructor } from 'class-transformer';
import type { Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage, Message } from 'kafkajs';
import type { Logger } from 'pino';
import { isObservable, lastValueFrom } from 'rxjs';
import type { AppMetrics } from '@app/platform';
import { classifyError } from './errors';
import { OffsetCommits } from './offset-commits';
import { toInvalidInbound, type InvalidMessagesHook } from './invalid-messages';
import type { KafkaProducer } from './producer';

export interface InboundMessage<T> {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  /** Validated contract instance; `null` only for tombstones on topics that allow them. */
  value: T;
  headers: Record<string, string>;
  timestamp: string;
}

export interface TopicBinding {
  topic: string;
  /** Contract class every message is validated against before a handler sees it. */
  schema: ClassConstructor<object>;
  allowTombstone?: boolean;
  /** Told about the batch's invalid messages once they are dead-lettered (e.g. to answer with a status). */
  onInvalid?: InvalidMessagesHook;
}

export interface BatchKafkaServerOptions {
  kafka: Kafka;
  groupId: string;
  bindings: TopicBinding[];
  producer: KafkaProducer;
  logger: Logger;
  metrics?: AppMetrics;
  partitionsConsumedConcurrently?: number;
  fromBeginning?: boolean;
  /** Attempts for an error of unknown kind before the message is dead-lettered. */
  unknownErrorAttempts?: number;
  maxRetryDelayMs?: number;
  timing?: Partial<ConsumerTiming>;
  /** KAFKA_TOPIC_PREFIX: subscribed and dead-lettered names carry it; handlers see contract names. */
  topicPrefix?: string;
}

/** Consumer group timing (see ADR 0003): failover speed against idle cost. */
export interface ConsumerTiming {
  /** A member that sends no heartbeat for this long is dead: its partitions move. */
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  /** How long the coordinator waits for members to rejoin during a rebalance. */
  rebalanceTimeoutMs: number;
  /** A fetch with nothing to return is answered after this long (data is returned at once). */
  maxWaitTimeMs: number;
  /**
   * Offsets are committed at most this often. Effects are durable before their offset is resolved, so a
   * crash only replays (idempotently) what was processed since the last commit.
   */
  commitIntervalMs: number;
}

export const DEFAULT_CONSUMER_TIMING: ConsumerTiming = {
  sessionTimeoutMs: 6000,
  heartbeatIntervalMs: 1000,
  rebalanceTimeoutMs: 15_000,
  maxWaitTimeMs: 1000,
  commitIntervalMs: 1000,
};

export class KafkaBatchContext extends BaseRpcContext<[string, number, () => Promise<void>]> {
  getTopic(): string {
    return this.args[0];
  }
  getPartition(): number {
    return this.args[1];
  }
  getHeartbeat(): () => Promise<void> {
    return this.args[2];
  }
}

/** Thrown inside the retry loop when the partition was revoked or the consumer is stopping. */
class BatchAbandoned extends Error {}

const HEARTBEAT_EVERY_MS = 1000;
/** Dead letters per produce request: well under the broker's default max.message.bytes (1 MiB). */
const DLQ_CHUNK_BYTES = 256 * 1024;
const DLQ_HEADERS = new Set([
  'x-dlq-reason',
  'x-original-topic',
  'x-original-partition',
  'x-original-offset',
  'x-failed-at',
  'x-consumer-group',
]);
/** What a dead letter keeps of an original value that can never fit whole (the contract limit is 64 KiB). */
const DLQ_TRUNCATED_VALUE_BYTES = 64 * 1024;

/**
 * A Nest custom transport on kafkajs that consumes in batches. Handlers stay plain `@EventPattern(topic)`
 * methods that receive an array of validated messages. Invalid or unparsable messages go to `<topic>.dlq`
 * with the reason in headers; retriable failures are retried with backoff (never thrown into kafkajs,
 * which would stop every partition); a batch failing for another reason is split to isolate the poison
 * message. Offsets are committed only after the handler's effect is durable. See docs/decisions/0001.
 */
export class BatchKafkaServer extends Server implements CustomTransportStrategy {
  private consumer?: Consumer;
  private readonly bindings: Map<string, TopicBinding>;
  private readonly log: Logger;
  private readonly timing: ConsumerTiming;
  private readonly commits: OffsetCommits;

  constructor(private readonly options: BatchKafkaServerOptions) {
    super();
    this.bindings = new Map(options.bindings.map((binding) => [binding.topic, binding]));
    this.log = options.logger.child({ component: 'kafka-consumer', groupId: options.groupId });
    this.timing = { ...DEFAULT_CONSUMER_TIMING, ...options.timing };
    this.commits = new OffsetCommits(
      (offsets) => this.consumer!.commitOffsets(offsets),
      this.timing.commitIntervalMs,
      (error, count) =>
        // A rebalance took the partitions (their new owner replays from the last commit), or Kafka is
        // away: both only mean some replay, never loss.
        this.log.warn({ code: classifyError(error).code, count }, 'offset commit failed'),
    );
  }

  listen(callback: (error?: unknown) => void): void {
    this.start().then(() => callback(), callback);
  }

  async close(): Promise<void> {
    // Commit what is done, then disconnect(): it waits for the in-flight batch and leaves the group so
    // partitions move at once (that batch's offset is not committed: its next owner redoes it, idempotently).
    await this.commits.flush();
    await this.consumer?.disconnect();
    this.commits.stop();
    this._status$.next('stopped');
  }

  on(): never {
    throw new Error('BatchKafkaServer does not expose transport events; use its status and metrics');
  }

  unwrap<T>(): T {
    return [this.options.kafka, this.consumer] as T;
  }

  private async start(): Promise<void> {
    const topics = [...this.getHandlers().keys()];
    const unbound = topics.filter((topic) => !this.bindings.has(topic));
    if (unbound.length > 0) throw new Error(`No contract binding for handled topics: ${unbound.join(', ')}`);

    await this.options.producer.connect();
    const consumer = this.options.kafka.consumer({
      groupId: this.options.groupId,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: this.timing.maxWaitTimeMs,
      // A backlog arrives in bounded bites: each fetched batch is parsed, validated and written whole, and
      // the apps run with a heap sized for them (tools/lib/app-process.ts).
      maxBytes: 4 * 1024 * 1024,
      maxBytesPerPartition: 512 * 1024,
      sessionTimeout: this.timing.sessionTimeoutMs,
      heartbeatInterval: this.timing.heartbeatIntervalMs,
      rebalanceTimeout: this.timing.rebalanceTimeoutMs,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.log.error({ err: payload.error, restart: payload.restart }, 'consumer crashed');
      if (!payload.restart) this._status$.next('crashed');
    });
    consumer.on(consumer.events.GROUP_JOIN, () => this._status$.next('connected'));
    consumer.on(consumer.events.REBALANCING, () => this._status$.next('rebalancing'));
    await consumer.connect();
    await consumer.subscribe({
      topics: topics.map((topic) => withPrefix(this.prefix, topic)),
      fromBeginning: this.options.fromBeginning ?? true,
    });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 3,
      eachBatch: (payload) => this.processBatch(payload),
    });
    this.log.info({ topics }, 'consuming');
  }

  private get prefix(): string {
    return this.options.topicPrefix ?? '';
  }

  private async processBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (batch.messages.length === 0) return;
    const topic = batch.topic.slice(this.prefix.length);
    const binding = this.bindings.get(topic)!;
    const stopTimer = this.options.metrics?.batchDuration.startTimer({ topic: topic });
    const valid: InboundMessage<unknown>[] = [];
    const invalid: { message: KafkaMessage; reason: string; error: unknown }[] = [];
    for (const message of batch.messages) {
      try {
        valid.push(this.decode(topic, batch.partition, message, binding));
      } catch (error) {
        invalid.push({
          message,
          reason: error instanceof InvalidMessageError ? error.reason : 'UNDECODABLE',
          error,
        });
      }
    }
    try {
      await this.deadLetter(topic, batch.partition, invalid, payload);
      if (valid.length > 0) await this.runHandler(topic, batch.partition, valid, payload);
      // After the handler: of a valid and an invalid event with one id in one batch, the valid one wins.
      if (binding.onInvalid && invalid.length > 0) await this.notifyInvalid(binding, invalid, payload);
    } catch (error) {
      if (error instanceof BatchAbandoned) return; // not committed: the partition's next owner redoes it
      throw error;
    }
    const last = batch.messages[batch.messages.length - 1].offset;
    payload.resolveOffset(last);
    await this.commits.done(batch.topic, batch.partition, (BigInt(last) + 1n).toString());
    this.options.metrics?.recordLag(topic, batch.partition, Number(batch.offsetLag()));
    this.options.metrics?.consumed.inc({ topic: topic }, batch.messages.length);
    stopTimer?.();
  }

  private decode(
    topic: string,
    partition: number,
    message: KafkaMessage,
    binding: TopicBinding,
  ): InboundMessage<unknown> {
    const headers = decodeHeaders(message.headers);
    const base = {
      topic,
      partition,
      offset: message.offset,
      key: message.key?.toString('utf8') ?? null,
      headers,
      timestamp: message.timestamp,
    };
    if (message.value === null || message.value.length === 0) {
      if (binding.allowTombstone) return { ...base, value: null };
      throw new InvalidMessageError('EMPTY_VALUE');
    }
    return { ...base, value: validateMessage(binding.schema, parseJson(message.value)) };
  }

  /** Runs the handler with retries; splits the batch when a non-retriable error hides a poison message. */
  private async runHandler(
    topic: string,
    partition: number,
    messages: InboundMessage<unknown>[],
    payload: EachBatchPayload,
  ): Promise<void> {
    const maxUnknownAttempts = this.options.unknownErrorAttempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.invoke(topic, partition, messages, payload);
        return;
      } catch (error) {
        const verdict = classifyError(error);
        if (
          verdict.kind === 'retriable' ||
          (verdict.kind === 'unknown' && messages.length === 1 && attempt < maxUnknownAttempts)
        ) {
          this.options.metrics?.retried.inc({ topic, kind: verdict.kind });
          this.log.warn({ topic, partition, attempt, code: verdict.code }, 'batch failed, retrying');
          await this.pauseWithHeartbeat(backoffMs(attempt, this.options.maxRetryDelayMs ?? 10_000), payload);
          continue;
        }
        if (messages.length > 1) {
          for (const message of messages) await this.runHandler(topic, partition, [message], payload);
          return;
        }
        const [message] = messages;
        await this.deadLetter(
          topic,
          partition,
          [{ message: toKafkaMessage(message, payload), reason: verdict.code }],
          payload,
        );
        return;
      }
    }
  }

  /** The binding's hook for dead-lettered messages: retriable errors are retried, others logged. */
  private async notifyInvalid(
    binding: TopicBinding,
    items: { message: KafkaMessage; error: unknown }[],
    payload: EachBatchPayload,
  ): Promise<void> {
    const { partition } = payload.batch;
    const topic = payload.batch.topic.slice(this.prefix.length);
    const messages = items.map((item) => toInvalidInbound(topic, partition, item.message, item.error));
    for (let attempt = 1; ; attempt++) {
      try {
        return await binding.onInvalid!(messages);
      } catch (error) {
        const verdict = classifyError(error);
        if (verdict.kind === 'permanent' || (verdict.kind === 'unknown' && attempt >= 3)) {
          this.log.error({ topic, partition, code: verdict.code }, 'invalid-message hook failed');
          return;
        }
        await this.pauseWithHeartbeat(backoffMs(attempt, this.options.maxRetryDelayMs ?? 10_000), payload);
      }
    }
  }

  private async invoke(
    topic: string,
    partition: number,
    messages: InboundMessage<unknown>[],
    payload: EachBatchPayload,
  ): Promise<void> {
    // Nest's getHandlerByPattern tries JSON.parse on the pattern first (a thrown exception per batch).
    const handler = this.getHandlers().get(topic)!;
    const beat = setInterval(() => payload.heartbeat().catch(() => undefined), HEARTBEAT_EVERY_MS);
    try {
      const result = await handler(messages, new KafkaBatchContext([topic, partition, payload.heartbeat]));
      if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
    } finally {
      clearInterval(beat);
    }
  }

  private async deadLetter(
    topic: string,
    partition: number,
    items: { message: KafkaMessage; reason: string }[],
    payload: EachBatchPayload,
  ): Promise<void> {
    if (items.length === 0) return;
    const failedAt = new Date().toISOString();
    const messages = items.map(({ message, reason }) => ({
      key: message.key,
      value: message.value,
      headers: {
        ...message.headers,
        'x-dlq-reason': reason.slice(0, 500),
        'x-original-topic': topic,
        'x-original-partition': String(partition),
        'x-original-offset': message.offset,
        'x-failed-at': failedAt,
        'x-consumer-group': this.options.groupId,
      },
    }));
    // A fetched batch can hold up to a MiB of originals, and every dead letter adds its reason headers:
    // sent as one request, the record batch could exceed what the broker accepts (max.message.bytes), and
    // retrying that forever would stall the partition. Send bounded chunks instead.
    for (const chunk of chunksBySize(messages, DLQ_CHUNK_BYTES))
      await this.sendDeadLetters(topic, chunk, payload);
    for (const { reason } of items) this.options.metrics?.deadLetter(topic, reason.split(':')[0]);
    this.log.warn(
      { topic, partition, count: items.length, reasons: [...new Set(items.map((item) => item.reason))] },
      'messages dead-lettered',
    );
  }

  /** Nothing is dropped: if the DLQ cannot be written, keep trying (the batch is not committed meanwhile). */
  private async sendDeadLetters(
    topic: string,
    messages: Message[],
    payload: EachBatchPayload,
  ): Promise<void> {
    let shrunk = false;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.options.producer.send(withPrefix(this.prefix, dlqTopic(topic)), messages);
        return;
      } catch (error) {
        if (isTooLarge(error)) {
          // Still too big for this broker: halve the request; a single dead letter that can never fit
          // (an original within a few hundred bytes of the limit) keeps a truncated copy of its value.
          if (messages.length > 1) {
            const half = Math.ceil(messages.length / 2);
            await this.sendDeadLetters(topic, messages.slice(0, half), payload);
            await this.sendDeadLetters(topic, messages.slice(half), payload);
            return;
          }
          if (!shrunk) {
            messages = [shrinkDeadLetter(messages[0])];
            shrunk = true;
            continue;
          }
        }
        this.log.warn(
          { topic, attempt, code: classifyError(error).code },
          'dead-letter produce failed, retrying',
        );
        await this.pauseWithHeartbeat(backoffMs(attempt, 10_000), payload);
      }
    }
  }

  private async pauseWithHeartbeat(ms: number, payload: EachBatchPayload): Promise<void> {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (!payload.isRunning() || payload.isStale()) throw new BatchAbandoned();
      await payload.heartbeat().catch(() => undefined);
      await sleep(Math.min(HEARTBEAT_EVERY_MS, until - Date.now()));
    }
    if (!payload.isRunning() || payload.isStale()) throw new BatchAbandoned();
  }
}

function backoffMs(attempt: number, max: number): number {
  const exponential = Math.min(max, 200 * 2 ** (attempt - 1));
  return exponential / 2 + Math.random() * (exponential / 2);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  const decoded: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value !== undefined)
      decoded[name] = Array.isArray(value) ? value.map(String).join(',') : value.toString();
  }
  return decoded;
}

/** Finds the raw message again so the DLQ keeps the original bytes, not our parsed copy. */
function toKafkaMessage(message: InboundMessage<unknown>, payload: EachBatchPayload): KafkaMessage {
  return payload.batch.messages.find((raw) => raw.offset === message.offset)!;
}

function byteLength(value: Buffer | string | null | undefined): number {
  return value === null || value === undefined ? 0 : Buffer.byteLength(value);
}

function headerBytes(headers: IHeaders | undefined): number {
  let total = 0;
  for (const [name, value] of Object.entries(headers ?? {})) {
    total += Buffer.byteLength(name) + 8;
    for (const part of Array.isArray(value) ? value : [value]) total += byteLength(part);
  }
  return total;
}

/** Record size on the wire, roughly: enough to keep requests well below the broker's limit. */
function recordBytes(message: Message): number {
  return byteLength(message.key) + byteLength(message.value) + headerBytes(message.headers) + 32;
}

function chunksBySize(messages: Message[], maxBytes: number): Message[][] {
  const chunks: Message[][] = [];
  let current: Message[] = [];
  let size = 0;
  for (const message of messages) {
    const bytes = recordBytes(message);
    if (current.length > 0 && size + bytes > maxBytes) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(message);
    size += bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** The broker refused the request for its size (kafkajs may wrap the protocol error as a cause). */
function isTooLarge(error: unknown): boolean {
  for (let cause = error; cause && typeof cause === 'object'; cause = (cause as { cause?: unknown }).cause) {
    const type = (cause as { type?: unknown }).type;
    if (type === 'MESSAGE_TOO_LARGE' || type === 'RECORD_LIST_TOO_LARGE') return true;
    if ((cause as { cause?: unknown }).cause === cause) break;
  }
  return false;
}

/**
 * A dead letter that fits: the value cut to its first 64 KiB, a long key cut too, and only the original
 * headers that are small, with `x-dlq-truncated` saying how big the value was.
 */
function shrinkDeadLetter(message: Message): Message {
  const headers = (message.headers ?? {}) as Record<string, IHeaders[string]>;
  const kept: Record<string, IHeaders[string]> = {};
  let budget = 16 * 1024;
  for (const [name, value] of Object.entries(headers)) {
    const ours = DLQ_HEADERS.has(name);
    const bytes = headerBytes({ [name]: value });
    if (ours || bytes <= Math.min(1024, budget)) {
      kept[name] = value;
      if (!ours) budget -= bytes;
    }
  }
  const value = message.value === null || message.value === undefined ? null : Buffer.from(message.value);
  const key = message.key === null || message.key === undefined ? null : Buffer.from(message.key);
  return {
    key: key && key.length > 1024 ? key.subarray(0, 1024) : key,
    value: value ? value.subarray(0, DLQ_TRUNCATED_VALUE_BYTES) : null,
    headers: { ...kept, 'x-dlq-truncated': String(value?.length ?? 0) },
  };
}
