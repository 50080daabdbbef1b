import 'reflect-metadata';
import { topicSpecs } from '../libs/contracts/src/topics';
import { ensureTopics } from '../libs/kafka/src/topics-admin';
import { Kafka, logLevel } from 'kafkajs';

/**
 * The one idempotent step that creates the contract's topics (names, partitions, compaction of
 * esoz.person.v1, DLQs). Env: KAFKA_BROKERS, KAFKA_PARTITIONS (6), KAFKA_REPLICATION_FACTOR (1),
 * KAFKA_MIN_INSYNC_REPLICAS (unset).
 */
export async function ensureContractTopics(
  env: Record<string, string | undefined> = process.env,
): Promise<string[]> {
  const brokers = (env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
  const kafka = new Kafka({ clientId: 'esoz-notify-topics', brokers, logLevel: logLevel.ERROR });
  const replication = Number(env.KAFKA_REPLICATION_FACTOR ?? 1);
  const minIsr = env.KAFKA_MIN_INSYNC_REPLICAS ? Number(env.KAFKA_MIN_INSYNC_REPLICAS) : undefined;
  const specs = topicSpecs(Number(env.KAFKA_PARTITIONS ?? 6), env.KAFKA_TOPIC_PREFIX ?? '');
  return ensureTopics(kafka, specs, replication, minIsr);
}

if (require.main === module) {
  ensureContractTopics().then(
    (created) => console.log(JSON.stringify({ msg: 'topics ready', created })),
    (error: Error) => {
      console.error(JSON.stringify({ msg: 'topic creation failed', error: error.message }));
      process.exit(1);
    },
  );
}
