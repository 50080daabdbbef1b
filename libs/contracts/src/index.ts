// The contract classes' decorators (class-transformer's @Type) read design metadata as they are defined.
import 'reflect-metadata';
export * from './topics';
export * from './enums';
export * from './person-snapshot';
export * from './notification-requested';
export * from './delivery-command';
export * from './notification-status';
export * from './parse';
export * from './support-api';
