import { withPrefix } from '@app/contracts';
import { Kafka, logLevel, type Admin, type Consumer } from 'kafkajs';

export const brokers = (): string[] => (process.env.KAFKA_BROKERS || '127.0.0.1:9092').split(',');

/** A contract topic's name on this broker: KAFKA_TOPIC_PREFIX (contract §11.5) before it, as the apps do. */
export const wire = (topic: string): string => withPrefix(process.env.KAFKA_TOPIC_PREFIX ?? '', topic);

export function toolKafka(clientId: string): Kafka {
  return new Kafka({
    clientId,
    brokers: brokers(),
    logLevel: logLevel.ERROR,
    retry: { retries: 8, initialRetryTime: 200 },
  });
}

/**
 * Commits a fresh consumer group's offsets at the topics' current ends. The apps subscribe with
 * `fromBeginning: true`, and the topics are shared with tests and earlier runs: without this a new group
 * would first replay (and re-deliver!) everything still retained.
 */
export async function startGroupAtEnd(admin: Admin, groupId: string, topics: string[]): Promise<void> {
  for (const topic of topics.map(wire)) {
    const ends = await admin.fetchTopicOffsets(topic);
    await admin.setOffsets({
      groupId,
      topic,
      partitions: ends.map(({ partition, high }) => ({ partition, offset: high })),
    });
  }
}

/** Resolves when the consumer has joined its group (and so has partitions), bounded by `timeoutMs`. */
export function joined(consumer: Consumer, timeoutMs = 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`consumer did not join its group within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const remove = consumer.on(consumer.events.GROUP_JOIN, () => {
      clearTimeout(timer);
      remove();
      resolve();
    });
  });
}

/** Best-effort clean-up of groups this run created; a failure here must not hide the run's result. */
export async function deleteGroupsQuietly(admin: Admin, groupIds: string[]): Promise<void> {
  if (groupIds.length === 0) return;
  try {
    await admin.deleteGroups(groupIds);
  } catch (error) {
    console.warn(`could not delete consumer groups ${groupIds.join(', ')}: ${(error as Error).message}`);
  }
}

/**
 * Consumer groups with live members other than ours. Topic names are the contract, so a second system on
 * the same broker (e.g. `npm test` running meanwhile) consumes our events and we consume theirs.
 */
export async function otherActiveGroups(
  admin: Admin,
  isOurs: (groupId: string) => boolean,
): Promise<string[]> {
  const { groups } = await admin.listGroups();
  const candidates = groups.map((group) => group.groupId).filter((groupId) => !isOurs(groupId));
  if (candidates.length === 0) return [];
  const { groups: described } = await admin.describeGroups(candidates);
  return described
    .filter((group) => group.members.length > 0)
    .map((group) => group.groupId)
    .sort();
}
