export * from './data-source';
export * from './migrate';
export * from './prepared-client';
