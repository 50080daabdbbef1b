import { Controller, Get, type DynamicModule, Module } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { AppMetrics, type BaseServiceConfig } from '@app/platform';
import type { Logger } from 'pino';
import { databaseModule } from './database';
import { MetricsController } from './metrics.controller';
import { APP_CONFIG, APP_LOGGER } from './tokens';

@Controller()
export class DatabaseHealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
  ) {}

  @Get('health')
  @HealthCheck()
  check() {
    return this.health.check([() => this.db.pingCheck('database').withTimeout(1500)]);
  }
}

/**
 * RuntimeModule without Kafka, for an HTTP app that neither consumes nor produces (the support console):
 * its validated config, JSON logger, metrics, the database, and `/health` (database) + `/metrics`.
 */
@Module({})
export class WebRuntimeModule {
  static forApp(appName: string, config: BaseServiceConfig, logger: Logger): DynamicModule {
    return {
      module: WebRuntimeModule,
      global: true,
      imports: [TerminusModule, databaseModule(appName, config)],
      controllers: [DatabaseHealthController, MetricsController],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: APP_LOGGER, useValue: logger },
        { provide: AppMetrics, useValue: new AppMetrics(appName) },
      ],
      exports: [APP_CONFIG, APP_LOGGER, AppMetrics],
    };
  }
}
