import { type DynamicModule, Module } from '@nestjs/common';
import { WebRuntimeModule } from '@app/runtime';
import type { Logger } from 'pino';
import { AuditRepository } from './audit/audit.repository';
import { ResolverSupportClient } from './resolver/resolver-support.client';
import { SupportConsoleService } from './search/support-console.service';
import { AuthService } from './staff/auth.service';
import { SessionRepository } from './staff/session.repository';
import { SignInFailureRepository } from './staff/sign-in-failure.repository';
import { StaffRepository } from './staff/staff.repository';
import type { SupportConsoleConfig } from './support-console.config';
import { AuthController } from './web/auth.controller';
import { CsrfGuard } from './web/csrf';
import { AssetsController, PagesController } from './web/pages.controller';
import { SessionGuard } from './web/session.guard';

/**
 * The console needs no Kafka: WebRuntimeModule (config, logger, metrics, database, /health, /metrics)
 * rather than RuntimeModule. Its own data is staff, sessions and the audit log; notifications come from the
 * resolver's support API.
 */
@Module({})
export class SupportConsoleModule {
  static register(config: SupportConsoleConfig, logger: Logger): DynamicModule {
    return {
      module: SupportConsoleModule,
      imports: [WebRuntimeModule.forApp('support-console', config, logger)],
      controllers: [AuthController, PagesController, AssetsController],
      providers: [
        StaffRepository,
        SessionRepository,
        SignInFailureRepository,
        AuditRepository,
        AuthService,
        ResolverSupportClient,
        SupportConsoleService,
        SessionGuard,
        CsrfGuard,
      ],
    };
  }
}
