import type { Kafka } from 'kafkajs';
import type { TopicSpec } from '@app/contracts';

/** Creates missing topics (idempotent); existing ones are left as they are. */
export async function ensureTopics(
  kafka: Kafka,
  specs: TopicSpec[],
  replicationFactor: number,
  minInsyncReplicas?: number,
): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((spec) => !existing.has(spec.topic));
    if (missing.length === 0) return [];
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((spec) => ({
        topic: spec.topic,
        numPartitions: spec.partitions,
        replicationFactor,
        configEntries: [
          ...(spec.compacted ? [{ name: 'cleanup.policy', value: 'compact' }] : []),
          ...(minInsyncReplicas ? [{ name: 'min.insync.replicas', value: String(minInsyncReplicas) }] : []),
        ],
      })),
    });
    return missing.map((spec) => spec.topic);
  } finally {
    await admin.disconnect();
  }
}
