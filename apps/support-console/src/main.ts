import 'reflect-metadata';
import { createLogger } from '@app/platform';
import { runMain, startApp } from '@app/runtime';
import { loadSupportConsoleConfig } from './support-console.config';
import { SupportConsoleModule } from './support-console.module';

export async function startSupportConsole(env?: Record<string, string | undefined>) {
  const config = loadSupportConsoleConfig(env);
  const logger = createLogger('support-console', config.LOG_LEVEL);
  const running = await startApp(SupportConsoleModule.register(config, logger), {
    appName: 'support-console',
    config,
    logger,
  });
  running.app.disable('x-powered-by');
  return { ...running, logger, config };
}

if (require.main === module) runMain('support-console', () => startSupportConsole());
