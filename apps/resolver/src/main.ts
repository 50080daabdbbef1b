import 'reflect-metadata';
import { createLogger } from '@app/platform';
import { startApp, runMain } from '@app/runtime';
import { RESOLVER_BINDINGS } from './resolver.consumer';
import { loadResolverConfig } from './resolver.config';
import { ResolverModule } from './resolver.module';

export async function startResolver(env?: Record<string, string | undefined>) {
  const config = loadResolverConfig(env);
  const logger = createLogger('resolver', config.LOG_LEVEL);
  const running = await startApp(ResolverModule.register(config, logger), {
    appName: 'resolver',
    config,
    logger,
    bindings: RESOLVER_BINDINGS,
  });
  return { ...running, logger };
}

if (require.main === module) runMain('resolver', () => startResolver());
