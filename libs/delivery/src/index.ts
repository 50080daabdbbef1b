export * from './outbox';
export * from './outbox-relay';
export * from './delivery-engine';
export * from './channel-policies';
