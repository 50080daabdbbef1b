import { Module, type DynamicModule } from '@nestjs/common';
import { AggregatorController } from './aggregator.controller';
import { ControlController } from './control.controller';
import { HealthController } from './health.controller';
import { ProviderTokenGuard } from './provider-token.guard';
import { ReportWebhookService } from './report-webhook.service';
import { SimulatorConfig } from './simulator.config';
import { SimulatorService } from './simulator.service';
import { SmscController } from './smsc.controller';

/** The config is loaded once by the caller (main.ts, or a test) and handed in. */
@Module({})
export class SimulatorModule {
  static forRoot(config: SimulatorConfig): DynamicModule {
    return {
      module: SimulatorModule,
      controllers: [AggregatorController, SmscController, ControlController, HealthController],
      providers: [
        { provide: SimulatorConfig, useValue: config },
        SimulatorService,
        ReportWebhookService,
        ProviderTokenGuard,
      ],
    };
  }
}
