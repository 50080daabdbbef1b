export * from './fixtures';
export * from './kafka-helpers';
export * from './seeded-random';
export * from './auth-methods';
