export * from './smsc.types';
export * from './smsc.client';
export * from './smsc.gateway';
export * from './smsc.webhook';
