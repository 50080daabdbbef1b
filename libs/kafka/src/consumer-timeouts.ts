import type { ConsumerConfig } from 'kafkajs';

/** The consumer-group settings of BaseAppConfig (see the reasoning there and in docs/operations.md). */
export interface ConsumerTimeoutSettings {
  KAFKA_SESSION_TIMEOUT_MS: number;
  KAFKA_HEARTBEAT_INTERVAL_MS: number;
  KAFKA_REBALANCE_TIMEOUT_MS: number;
}

export type ConsumerTimeouts = Pick<
  ConsumerConfig,
  'sessionTimeout' | 'heartbeatInterval' | 'rebalanceTimeout'
>;

/** What `kafka.consumer({...})` takes, from the app's validated config. */
export function consumerTimeouts(config: ConsumerTimeoutSettings): Required<ConsumerTimeouts> {
  return {
    sessionTimeout: config.KAFKA_SESSION_TIMEOUT_MS,
    heartbeatInterval: config.KAFKA_HEARTBEAT_INTERVAL_MS,
    rebalanceTimeout: config.KAFKA_REBALANCE_TIMEOUT_MS,
  };
}
