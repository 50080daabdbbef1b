export * from './fixtures';
export * from './kafka-helpers';
export * from './seeded-random';
