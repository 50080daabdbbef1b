export * from './sms-provider';
export * from './routing';
export * from './health';
export * from './attempt-journal';
export * from './failover-sms-gateway';
