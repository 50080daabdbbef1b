import { randomUUID } from 'node:crypto';
import type { Admin, IHeaders, Kafka, Message, Producer } from 'kafkajs';

/** partition → offset */
export type Offsets = Map<number, string>;

export async function topicEnds(admin: Admin, topics: readonly string[]): Promise<Map<string, Offsets>> {
  const ends = new Map<string, Offsets>();
  for (const topic of topics) {
    const offsets = await admin.fetchTopicOffsets(topic);
    ends.set(topic, new Map(offsets.map(({ partition, high }) => [partition, high])));
  }
  return ends;
}

export interface ReadMessage {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/**
 * Reads every message between `from` and `until` (exclusive) of the given topics with a throwaway consumer
 * group, so a suite can look at what its apps wrote (DLQ, status topic) without history from other runs.
 */
export async function readBetween(
  kafka: Kafka,
  from: Map<string, Offsets>,
  until: Map<string, Offsets>,
  timeoutMs = 60_000,
): Promise<ReadMessage[]> {
  const pending = new Map<string, bigint>(); // `${topic}/${partition}` → last offset still to read
  for (const [topic, ends] of until) {
    for (const [partition, end] of ends) {
      const start = BigInt(from.get(topic)?.get(partition) ?? '0');
      if (BigInt(end) > start) pending.set(`${topic}/${partition}`, BigInt(end) - 1n);
    }
  }
  const found: ReadMessage[] = [];
  if (pending.size === 0) return found;
  const consumer = kafka.consumer({
    groupId: `esoz-notify-test.reader.${randomUUID()}`,
    maxWaitTimeInMs: 100,
  });
  await consumer.connect();
  try {
    const topics = [...new Set([...pending.keys()].map((key) => key.slice(0, key.lastIndexOf('/'))))];
    await consumer.subscribe({ topics, fromBeginning: true });
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    await consumer.run({
      eachBatch: async ({ batch }) => {
        const key = `${batch.topic}/${batch.partition}`;
        const last = pending.get(key);
        if (last === undefined) return;
        const start = BigInt(from.get(batch.topic)?.get(batch.partition) ?? '0');
        for (const message of batch.messages) {
          const offset = BigInt(message.offset);
          if (offset < start || offset > last) continue;
          found.push({
            topic: batch.topic,
            partition: batch.partition,
            offset: message.offset,
            key: message.key,
            value: message.value,
            headers: decodeHeaders(message.headers),
          });
          if (offset === last) pending.delete(key);
        }
        if (pending.size === 0) done();
      },
    });
    for (const [topic, offsets] of from) {
      for (const [partition, offset] of offsets) {
        if (pending.has(`${topic}/${partition}`)) consumer.seek({ topic, partition, offset });
      }
    }
    const timer = new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new Error(`timed out reading ${[...pending.keys()].join(', ')}`)),
        timeoutMs,
      ).unref(),
    );
    await Promise.race([finished, timer]);
  } finally {
    await consumer.disconnect();
  }
  return found;
}

export function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value !== undefined)
      out[name] = Array.isArray(value) ? value.map(String).join(',') : value.toString();
  }
  return out;
}

/** Committed offset of each group behind the end of each of its topics, summed; 0 when drained. */
export async function groupLag(
  admin: Admin,
  groups: Record<string, readonly string[]>,
): Promise<Record<string, number>> {
  const lag: Record<string, number> = {};
  for (const [groupId, topics] of Object.entries(groups)) {
    let behind = 0;
    const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
    for (const { topic, partitions } of committed) {
      const ends = await admin.fetchTopicOffsets(topic);
      for (const { partition, high } of ends) {
        const at = partitions.find((p) => p.partition === partition)?.offset ?? '-1';
        behind += Number(BigInt(high) - (at === '-1' ? 0n : BigInt(at)));
      }
    }
    lag[groupId] = behind;
  }
  return lag;
}

/** State and member count of each group ("Stable" with one member is a live, healthy consumer). */
export async function groupStates(admin: Admin, groupIds: string[]): Promise<Record<string, string>> {
  const { groups } = await admin.describeGroups(groupIds);
  return Object.fromEntries(groups.map((group) => [group.groupId, `${group.state}/${group.members.length}`]));
}

/**
 * Sends messages in order, a topic's messages in requests small enough for the broker (kafkajs puts every
 * message of one request and partition in one record batch, which the broker caps at 1 MiB).
 */
export async function sendInOrder(
  producer: Producer,
  messages: (Message & { topic: string })[],
  maxRequestBytes = 600 * 1024,
): Promise<void> {
  let chunk: (Message & { topic: string })[] = [];
  let bytes = 0;
  const flush = async () => {
    if (chunk.length === 0) return;
    const byTopic = new Map<string, Message[]>();
    for (const { topic, ...message } of chunk) byTopic.set(topic, [...(byTopic.get(topic) ?? []), message]);
    await producer.sendBatch({
      topicMessages: [...byTopic].map(([topic, topicMessages]) => ({ topic, messages: topicMessages })),
    });
    chunk = [];
    bytes = 0;
  };
  for (const message of messages) {
    const size = sizeOf(message.value) + sizeOf(message.key) + 200;
    if (chunk.length > 0 && (bytes + size > maxRequestBytes || chunk.length >= 500)) await flush();
    chunk.push(message);
    bytes += size;
  }
  await flush();
}

const sizeOf = (value: Buffer | string | null | undefined) =>
  value === null || value === undefined ? 0 : Buffer.byteLength(value);
