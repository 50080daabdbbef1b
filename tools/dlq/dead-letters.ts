import { randomUUID } from 'node:crypto';
import { KafkaProducer } from '@app/kafka';
import type { Admin, IHeaders, Kafka, KafkaMessage } from 'kafkajs';

/** Headers the batch transport adds to a dead letter (libs/kafka batch-kafka.server.ts). */
export const DLQ_HEADERS = [
  'x-dlq-reason',
  'x-original-topic',
  'x-original-partition',
  'x-original-offset',
  'x-failed-at',
  'x-consumer-group',
  'x-dlq-truncated',
] as const;
/** Headers a replay adds: how often this message was redriven, from where, when. */
export const REDRIVE_COUNT = 'x-redrive-count';
export const REDRIVEN_FROM = 'x-redriven-from';
export const REDRIVEN_AT = 'x-redriven-at';
const OURS = new Set<string>([...DLQ_HEADERS, REDRIVE_COUNT, REDRIVEN_FROM, REDRIVEN_AT]);

export interface DeadLetter {
  dlqTopic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  /** Headers as strings (ours and the original producer's). */
  headers: Record<string, string>;
  /** The original message's own headers, as received (replayed unchanged). */
  originalHeaders: IHeaders;
  reason: string;
  originalTopic?: string;
  failedAt?: Date;
  redriveCount: number;
  truncated: boolean;
}

export interface DeadLetterFilter {
  /** Reason code prefix: `VALIDATION_FAILED` matches `VALIDATION_FAILED: payload.eventId ...`. */
  reason?: string;
  since?: Date;
  until?: Date;
  partition?: number;
  offset?: string;
}

export const toDlqTopic = (topic: string) => (topic.endsWith('.dlq') ? topic : `${topic}.dlq`);

function headerText(value: IHeaders[string]): string | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.map(String).join(',') : value.toString();
}

export function toDeadLetter(dlqTopic: string, partition: number, message: KafkaMessage): DeadLetter {
  const headers: Record<string, string> = {};
  const originalHeaders: IHeaders = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    const text = headerText(value);
    if (text === undefined) continue;
    headers[name] = text;
    if (!OURS.has(name)) originalHeaders[name] = value;
  }
  const failedAt = headers['x-failed-at']
    ? new Date(headers['x-failed-at'])
    : new Date(Number(message.timestamp));
  const count = Number(headers[REDRIVE_COUNT] ?? 0);
  return {
    dlqTopic,
    partition,
    offset: message.offset,
    key: message.key,
    value: message.value,
    headers,
    originalHeaders,
    reason: headers['x-dlq-reason'] ?? 'UNKNOWN',
    originalTopic: headers['x-original-topic'],
    failedAt: Number.isNaN(failedAt.getTime()) ? undefined : failedAt,
    redriveCount: Number.isInteger(count) && count >= 0 ? count : 0,
    truncated: headers['x-dlq-truncated'] !== undefined,
  };
}

export function matches(letter: DeadLetter, filter: DeadLetterFilter): boolean {
  if (filter.partition !== undefined && letter.partition !== filter.partition) return false;
  if (filter.offset !== undefined && letter.offset !== filter.offset) return false;
  if (filter.reason !== undefined) {
    const code = letter.reason.split(':')[0].trim();
    if (code !== filter.reason && !letter.reason.startsWith(filter.reason)) return false;
  }
  if (filter.since && (!letter.failedAt || letter.failedAt < filter.since)) return false;
  if (filter.until && (!letter.failedAt || letter.failedAt >= filter.until)) return false;
  return true;
}

export async function dlqTopics(admin: Admin): Promise<string[]> {
  return (await admin.listTopics()).filter((topic) => topic.endsWith('.dlq')).sort();
}

/**
 * Every dead letter of `dlqTopic` present now (up to the high watermarks taken at the start), read with a
 * throwaway consumer group that is deleted afterwards: the tool never moves a real group's offsets.
 */
export async function readDeadLetters(
  kafka: Kafka,
  admin: Admin,
  dlqTopic: string,
  filter: DeadLetterFilter = {},
  timeoutMs = 60_000,
): Promise<DeadLetter[]> {
  const ends = await admin.fetchTopicOffsets(dlqTopic);
  const pending = new Map<number, bigint>();
  for (const { partition, high, low } of ends)
    if (BigInt(high) > BigInt(low) && (filter.partition === undefined || filter.partition === partition))
      pending.set(partition, BigInt(high) - 1n);
  const found: DeadLetter[] = [];
  if (pending.size === 0) return found;
  const groupId = `esoz-notify-dlq-tool.${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100, allowAutoTopicCreation: false });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [dlqTopic], fromBeginning: true });
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const last = pending.get(batch.partition);
        if (last === undefined) return;
        for (const message of batch.messages) {
          if (BigInt(message.offset) > last) break;
          const letter = toDeadLetter(dlqTopic, batch.partition, message);
          if (matches(letter, filter)) found.push(letter);
        }
        if (BigInt(batch.lastOffset()) >= last) pending.delete(batch.partition);
        if (pending.size === 0) done();
      },
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      finished,
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`reading ${dlqTopic} took over ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]).finally(() => clearTimeout(timer));
  } finally {
    await consumer.disconnect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
  return found.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
}

export interface ReplayPlan {
  letter: DeadLetter;
  /** Undefined when the letter is replayed; else why not. */
  refused?: string;
  target?: string;
}

/** What a replay would do with each letter: to its original topic, unless past the maximum or unreplayable. */
export function planReplay(letters: DeadLetter[], maxRedrives: number): ReplayPlan[] {
  return letters.map((letter) => {
    if (!letter.originalTopic) return { letter, refused: 'no x-original-topic header' };
    if (letter.originalTopic.endsWith('.dlq')) return { letter, refused: 'original topic is a DLQ' };
    if (letter.truncated) return { letter, refused: 'value was truncated when dead-lettered' };
    if (letter.redriveCount >= maxRedrives)
      return { letter, refused: `redriven ${letter.redriveCount} times already (maximum ${maxRedrives})` };
    return { letter, target: letter.originalTopic };
  });
}

/** Produces the planned letters to their original topics: same key, value and original headers, count + 1. */
export async function replay(kafka: Kafka, plans: ReplayPlan[]): Promise<{ topic: string; count: number }[]> {
  const byTopic = new Map<string, { key: Buffer | null; value: Buffer | null; headers: IHeaders }[]>();
  const at = new Date().toISOString();
  for (const { letter, target } of plans) {
    if (!target) continue;
    const messages = byTopic.get(target) ?? [];
    messages.push({
      key: letter.key,
      value: letter.value,
      headers: {
        ...letter.originalHeaders,
        [REDRIVE_COUNT]: String(letter.redriveCount + 1),
        [REDRIVEN_FROM]: `${letter.dlqTopic}:${letter.partition}:${letter.offset}`,
        [REDRIVEN_AT]: at,
      },
    });
    byTopic.set(target, messages);
  }
  if (byTopic.size === 0) return [];
  // The apps' producer: acks=-1 and whole-batch retries (docs/decisions/0002).
  const producer = new KafkaProducer(kafka);
  await producer.connect();
  try {
    await producer.sendBatch([...byTopic].map(([topic, messages]) => ({ topic, messages })));
  } finally {
    await producer.disconnect();
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, count: messages.length }));
}
