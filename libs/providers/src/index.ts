export * from './channel-gateway';
export * from './turbosms';
export * from './fake';
