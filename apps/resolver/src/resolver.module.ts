import { type DynamicModule, Module } from '@nestjs/common';
import { RuntimeModule } from '@app/runtime';
import type { Logger } from 'pino';
import { InvalidEventService } from './invalid-event.service';
import { NotificationService } from './notification.service';
import { RetentionService } from './retention.service';
import { ResolverConsumer } from './resolver.consumer';
import type { ResolverConfig } from './resolver.config';
import {
  NotificationSearchRepository,
  PhoneKeyHasher,
  SupportController,
  SupportNotificationRepository,
  SupportOverviewController,
  SupportSearchIndexer,
  SupportService,
} from './support';

@Module({})
export class ResolverModule {
  static register(config: ResolverConfig, logger: Logger): DynamicModule {
    return {
      module: ResolverModule,
      imports: [RuntimeModule.forApp('resolver', config, logger)],
      controllers: [ResolverConsumer, SupportController, SupportOverviewController],
      providers: [
        NotificationService,
        InvalidEventService,
        RetentionService,
        { provide: PhoneKeyHasher, useValue: new PhoneKeyHasher(config.SUPPORT_SEARCH_KEY) },
        NotificationSearchRepository,
        SupportNotificationRepository,
        SupportSearchIndexer,
        SupportService,
      ],
    };
  }
}
