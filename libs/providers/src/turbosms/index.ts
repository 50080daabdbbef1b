export * from './turbosms.types';
export * from './turbosms.client';
export * from './turbosms.gateway';
export * from './turbosms.webhook';
