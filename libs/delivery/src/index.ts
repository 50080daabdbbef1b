export * from './outbox';
export * from './outbox-publisher';
export * from './outbox-relay';
export * from './timer-loop';
export * from './coalescer';
export * from './delivery-repository';
export * from './delivery-engine';
export * from './channel-policies';
