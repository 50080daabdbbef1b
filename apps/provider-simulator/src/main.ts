import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { Logger, type INestApplication, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { configureSimulatorApp } from './configure-app';
import { loadSimulatorConfig, type SimulatorConfig } from './simulator.config';
import { SimulatorModule } from './simulator.module';

export interface RunningSimulator {
  app: INestApplication;
  config: SimulatorConfig;
  /** e.g. `http://127.0.0.1:3100` */
  url: string;
  close(): Promise<void>;
}

/** Our LOG_LEVEL names (as in the other apps) → the Nest levels that stay on. */
const NEST_LEVELS: Record<SimulatorConfig['LOG_LEVEL'], LogLevel[]> = {
  trace: ['verbose', 'debug', 'log', 'warn', 'error', 'fatal'],
  debug: ['debug', 'log', 'warn', 'error', 'fatal'],
  info: ['log', 'warn', 'error', 'fatal'],
  warn: ['warn', 'error', 'fatal'],
  error: ['error', 'fatal'],
  fatal: ['fatal'],
  silent: [],
};

/**
 * Local Viber/SMS aggregator (dev/test only): TurboSMS-style API, control API, signed delivery webhooks.
 * Exported so integration tests can run it in-process; `env` defaults to process.env.
 */
export async function startProviderSimulator(
  env?: Record<string, string | undefined>,
  options: { shutdownHooks?: boolean } = {},
): Promise<RunningSimulator> {
  const config = loadSimulatorConfig(env);
  const app = await NestFactory.create<NestExpressApplication>(SimulatorModule.forRoot(config), {
    bodyParser: false,
    logger: NEST_LEVELS[config.LOG_LEVEL],
  });
  configureSimulatorApp(app);
  if (options.shutdownHooks) app.enableShutdownHooks();
  await app.listen(config.PORT, config.HOST);
  // The real port, so PORT=0 (any free port) works for tests.
  const url = `http://${config.HOST}:${(app.getHttpServer().address() as AddressInfo).port}`;
  new Logger('ProviderSimulator').log(
    `listening on ${url}; reports to ${config.VIBER_CALLBACK_URL} (viber), ${config.SMS_CALLBACK_URL} (turbosms sms) and ${config.SMSC_CALLBACK_URL} (smsc) after ${config.REPORT_DELAY_MS} ms`,
  );
  return { app, config, url, close: () => app.close() };
}

if (require.main === module) {
  startProviderSimulator(undefined, { shutdownHooks: true }).catch((error: Error) => {
    // Config problems name variables, never values; anything else is a start-up failure worth its stack.
    console.error(error.name === 'SimulatorConfigError' ? error.message : error);
    process.exit(1);
  });
}
