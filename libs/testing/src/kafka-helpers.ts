import { Kafka, logLevel, type Producer } from 'kafkajs';

export function testKafka(): Kafka {
  return new Kafka({
    clientId: 'esoz-notify-test',
    brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
    logLevel: logLevel.ERROR,
  });
}

export async function produce(
  producer: Producer,
  topic: string,
  messages: { key: string; value: Buffer | string | object | null }[],
): Promise<void> {
  await producer.send({
    topic,
    messages: messages.map(({ key, value }) => ({
      key,
      value:
        value === null || typeof value === 'string' || Buffer.isBuffer(value) ? value : JSON.stringify(value),
    })),
  });
}

/** Polls `probe` until it returns a value that is not undefined, or fails with `what` after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

/**
 * Puts consumer groups at the current end of their topics before the apps under test join them, so a suite
 * neither waits for nor re-handles other suites' (or a running system's) history. Retries while a killed
 * earlier run is still a member of the group (until its session times out).
 */
export async function startGroupsAtEnd(
  groups: Record<string, readonly string[]>,
  timeoutMs = 45_000,
): Promise<void> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    // Groups are independent: move them in parallel (each takes a few seconds on a small machine).
    await Promise.all(
      Object.entries(groups).map(async ([groupId, topics]) => {
        for (const topic of topics) {
          const ends = await admin.fetchTopicOffsets(topic);
          const partitions = ends.map(({ partition, high }) => ({ partition, offset: high }));
          await eventually(
            () =>
              admin.setOffsets({ groupId, topic, partitions }).then(
                () => true,
                () => undefined,
              ),
            `consumer group ${groupId} to be idle`,
            timeoutMs,
          );
        }
      }),
    );
  } finally {
    await admin.disconnect();
  }
}
