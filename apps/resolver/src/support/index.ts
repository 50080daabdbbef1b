export * from './search-keys';
export * from './search-query';
export * from './notification-search.repository';
export * from './support-notification.repository';
export * from './support-search.indexer';
export * from './support.service';
export * from './support-token.guard';
export * from './support.controller';
