import type { DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { BaseServiceConfig } from '@app/platform';
import { poolOptions } from '@app/database';

/** The app's Postgres pool. Apps never synchronize or migrate: `migrate.ts` does that once. */
export function databaseModule(appName: string, config: BaseServiceConfig): DynamicModule {
  return TypeOrmModule.forRoot({
    type: 'postgres',
    url: config.DATABASE_URL,
    synchronize: false,
    migrationsRun: false,
    applicationName: appName,
    extra: poolOptions(config.DATABASE_POOL_SIZE, config.DATABASE_PREPARED_STATEMENTS),
    retryAttempts: 30,
    retryDelay: 1000,
  });
}
