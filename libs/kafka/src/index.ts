export * from './errors';
export * from './kafka-client';
export * from './producer';
export * from './topics-admin';
export * from './batch-kafka.server';
export * from './rethrow-rpc-errors.filter';
export * from './invalid-messages';
