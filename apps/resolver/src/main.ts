import 'reflect-metadata';
import { createLogger } from '@app/platform';
import { startApp, runMain } from '@app/runtime';
import { InvalidEventService } from './invalid-event.service';
import { resolverBindings } from './resolver.consumer';
import { loadResolverConfig } from './resolver.config';
import { ResolverModule } from './resolver.module';

export async function startResolver(env?: Record<string, string | undefined>) {
  const config = loadResolverConfig(env);
  const logger = createLogger('resolver', config.LOG_LEVEL);
  const running = await startApp(ResolverModule.register(config, logger), {
    appName: 'resolver',
    config,
    logger,
    bindings: (app) => resolverBindings(app.get(InvalidEventService)),
  });
  return { ...running, logger };
}

if (require.main === module) runMain('resolver', () => startResolver());
