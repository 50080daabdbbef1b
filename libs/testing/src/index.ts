export * from './fixtures';
export * from './kafka-helpers';
