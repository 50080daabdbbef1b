/** Kafka topics of contract v1 (architecture.md §3). Names are the contract: never rename without a new version. */
export enum Topic {
  Person = 'esoz.person.v1',
  NotificationRequested = 'esoz.notification.requested.v1',
  DeliveryDiia = 'esoz.delivery.diia.v1',
  DeliveryViber = 'esoz.delivery.viber.v1',
  DeliverySms = 'esoz.delivery.sms.v1',
  DeliverySlip = 'esoz.delivery.slip.v1',
  NotificationStatus = 'esoz.notification.status.v1',
}

/**
 * KAFKA_TOPIC_PREFIX (contract §11.5, default empty) goes before every topic name on the wire, so two
 * systems can share a broker. Code and outbox rows use the contract names; the prefix is added where a
 * name meets Kafka (subscribe, produce, topic creation) and removed where a message arrives.
 */
export const withPrefix = (prefix: string, topic: string): string => `${prefix}${topic}`;

/** Every consumed topic has a dead-letter twin that keeps the original bytes and the reason in headers. */
export const dlqTopic = (topic: string): string => `${topic}.dlq`;

export const CONSUMED_TOPICS: readonly Topic[] = [
  Topic.Person,
  Topic.NotificationRequested,
  Topic.DeliveryDiia,
  Topic.DeliveryViber,
  Topic.DeliverySms,
  Topic.DeliverySlip,
];

export interface TopicSpec {
  topic: string;
  partitions: number;
  compacted: boolean;
}

/** Partition counts are the unit of consumer scaling: each app can run up to this many replicas usefully. */
export function topicSpecs(partitions = 6, prefix = ''): TopicSpec[] {
  const main: TopicSpec[] = Object.values(Topic).map((topic) => ({
    topic: withPrefix(prefix, topic),
    partitions,
    compacted: topic === Topic.Person,
  }));
  const dlqs = CONSUMED_TOPICS.map((topic) => ({
    topic: withPrefix(prefix, dlqTopic(topic)),
    partitions: 1,
    compacted: false,
  }));
  return [...main, ...dlqs];
}
