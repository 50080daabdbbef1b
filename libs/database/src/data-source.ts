import { DataSource } from 'typeorm';
import { PreparingClient } from './prepared-client';
import { Initial1763900000000 } from './migrations/1763900000000-initial';
import { Slip1763900000001 } from './migrations/1763900000001-slip';
import { OneDeliveryPerStep1763900000002 } from './migrations/1763900000002-one-delivery-per-step';
import { FastPath1763900000003 } from './migrations/1763900000003-fast-path';
import { AwaitedPersons1763900000004 } from './migrations/1763900000004-awaited-persons';
import { LateDelivered1763900000005 } from './migrations/1763900000005-late-delivered';
import { SupportSearch1763900011000 } from './migrations/1763900011000-support-search';
import { SupportConsole1763900011001 } from './migrations/1763900011001-support-console';
import { RejectedEvents1763900001000 } from './migrations/1763900001000-rejected-events';
import { SmsProviderAttempts1763900001001 } from './migrations/1763900001001-sms-provider-attempts';
import { OutboxSweepIndex1763900012000 } from './migrations/1763900012000-outbox-sweep-index';

export const MIGRATIONS = [
  Initial1763900000000,
  Slip1763900000001,
  OneDeliveryPerStep1763900000002,
  FastPath1763900000003,
  AwaitedPersons1763900000004,
  LateDelivered1763900000005,
  SupportSearch1763900011000,
  SupportConsole1763900011001,
  RejectedEvents1763900001000,
  SmsProviderAttempts1763900001001,
  OutboxSweepIndex1763900012000,
];

/** Apps never synchronize or run migrations themselves: `migrate.ts` does it once, under an advisory lock. */
export function createDataSource(url: string, poolSize = 10, applicationName = 'esoz-notify'): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    synchronize: false,
    migrationsRun: false,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    applicationName,
    extra: { ...poolOptions(poolSize), idleTimeoutMillis: 30000 },
  });
}

/**
 * The pg pool settings every data source uses. Parameterised queries run as prepared statements, planned once
 * per connection rather than per call, unless `prepared` is off (a pooler that cannot keep them).
 */
export function poolOptions(max: number, prepared = true): Record<string, unknown> {
  return { max, connectionTimeoutMillis: 5000, ...(prepared ? { Client: PreparingClient } : {}) };
}
