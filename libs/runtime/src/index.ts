export * from './tokens';
export * from './runtime.module';
export * from './bootstrap';
export * from './health.controller';
export * from './metrics.controller';
export * from './channel-sender.module';
export * from './bearer';
