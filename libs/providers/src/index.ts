export * from './channel-gateway';
export * from './turbosms';
export * from './smsc';
export * from './failover';
export * from './fake';
