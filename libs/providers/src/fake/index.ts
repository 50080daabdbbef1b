export * from './fake-channel-gateway';
export * from './fake-sms-provider';
