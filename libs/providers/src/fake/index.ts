export * from './fake-channel-gateway';
