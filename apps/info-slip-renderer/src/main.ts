import 'reflect-metadata';
import { type DynamicModule, Module } from '@nestjs/common';
import { createLogger } from '@app/platform';
import { RuntimeModule, startApp, runMain } from '@app/runtime';
import { loadInfoSlipRendererConfig, type InfoSlipRendererConfig } from './info-slip-renderer.config';
import { SLIP_BINDINGS, SlipConsumer, SlipController } from './slip.controller';
import { SlipService } from './slip.service';
import type { Logger } from 'pino';

@Module({})
export class InfoSlipRendererModule {
  static register(config: InfoSlipRendererConfig, logger: Logger): DynamicModule {
    return {
      module: InfoSlipRendererModule,
      imports: [RuntimeModule.forApp('info-slip-renderer', config, logger)],
      controllers: [SlipConsumer, SlipController],
      providers: [SlipService],
    };
  }
}

export async function startInfoSlipRenderer(env?: Record<string, string | undefined>) {
  const config = loadInfoSlipRendererConfig(env);
  const logger = createLogger('info-slip-renderer', config.LOG_LEVEL);
  const running = await startApp(InfoSlipRendererModule.register(config, logger), {
    appName: 'info-slip-renderer',
    config,
    logger,
    bindings: SLIP_BINDINGS,
  });
  return { ...running, logger };
}

if (require.main === module) runMain('info-slip-renderer', () => startInfoSlipRenderer());
