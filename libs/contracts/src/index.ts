export * from './topics';
export * from './enums';
export * from './person-snapshot';
export * from './notification-requested';
export * from './delivery-command';
export * from './notification-status';
export * from './parse';
export * from './support-api';
