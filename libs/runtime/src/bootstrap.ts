import type { DynamicModule, INestApplicationContext, INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { BatchKafkaServer, KafkaProducer, type TopicBinding } from '@app/kafka';
import { AppMetrics, type BaseAppConfig, type BaseServiceConfig, PinoNestLogger } from '@app/platform';
import type { Consumer, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { ConsumerMembership } from './consumer-membership';
import { KafkaLagCollector, MembershipCollector, ScrapeCollectors } from './scrape-collectors';
import { KAFKA } from './tokens';

export interface AppBootstrapOptions {
  appName: string;
  /** A consuming app's config is a BaseAppConfig (Kafka settings); an HTTP-only app's a BaseServiceConfig. */
  config: BaseServiceConfig;
  logger: Logger;
  /**
   * Topics the app consumes, in its own group `<KAFKA_GROUP_PREFIX>.<appName>` (it scales by replicas). A
   * function gets the app first, for bindings whose hooks are the app's own providers (`onInvalid`).
   */
  bindings?: TopicBinding[] | ((app: INestApplicationContext) => TopicBinding[]);
}

export interface RunningApp {
  app: NestExpressApplication;
  microservice?: INestMicroservice;
  url: string;
  close(): Promise<void>;
}

/** Creates the HTTP app and, if it consumes, the batch Kafka transport; closes Kafka first on shutdown. */
export async function startApp(module: DynamicModule, options: AppBootstrapOptions): Promise<RunningApp> {
  const { config, logger } = options;
  const app = await NestFactory.create<NestExpressApplication>(module, {
    logger: new PinoNestLogger(logger),
    rawBody: true,
    bodyParser: true,
  });
  app.useBodyParser('json', { limit: '64kb' });
  let microservice: INestMicroservice | undefined;
  let server: BatchKafkaServer | undefined;
  if (options.bindings) {
    const bindings = typeof options.bindings === 'function' ? options.bindings(app) : options.bindings;
    const membership = app.get(ConsumerMembership);
    const collectors = app.get(ScrapeCollectors);
    const metrics = app.get(AppMetrics);
    const kafkaConfig = config as BaseAppConfig;
    const groupId = `${kafkaConfig.KAFKA_GROUP_PREFIX}.${options.appName}`;
    server = new BatchKafkaServer({
      kafka: observingConsumers(app.get<Kafka>(KAFKA), (consumer) => membership.attach(consumer)),
      groupId,
      bindings,
      producer: app.get(KafkaProducer),
      logger,
      metrics,
      partitionsConsumedConcurrently: kafkaConfig.KAFKA_PARTITIONS_CONCURRENCY,
      topicPrefix: kafkaConfig.KAFKA_TOPIC_PREFIX,
      timing: {
        sessionTimeoutMs: kafkaConfig.KAFKA_SESSION_TIMEOUT_MS,
        heartbeatIntervalMs: kafkaConfig.KAFKA_HEARTBEAT_INTERVAL_MS,
        rebalanceTimeoutMs: kafkaConfig.KAFKA_REBALANCE_TIMEOUT_MS,
        maxWaitTimeMs: kafkaConfig.KAFKA_MAX_WAIT_MS,
        commitIntervalMs: kafkaConfig.KAFKA_COMMIT_INTERVAL_MS,
      },
    });
    membership.followStatus(groupId, server.status);
    collectors.add(new MembershipCollector(membership, metrics));
    collectors.add(
      new KafkaLagCollector(
        app.get<Kafka>(KAFKA),
        groupId,
        bindings.map((binding) => binding.topic),
        metrics,
      ),
    );
    microservice = app.connectMicroservice({ strategy: server }, { inheritAppConfig: false });
  }
  await app.init();
  await app.listen(config.PORT, config.HOST);
  if (microservice) {
    await app.startAllMicroservices();
    // Ready means "in the consumer group with partitions": a test or a demo may produce right after. A
    // slow join (a broker failing over, a coordinator loading) is not a reason to exit: kafkajs keeps
    // trying, and an app that restarts in a loop would only make the rebalance slower.
    const joined = await firstValueFrom(
      server!.status.pipe(
        filter((status) => status === 'connected'),
        timeout(60_000),
      ),
    ).then(
      () => true,
      () => false,
    );
    if (!joined) logger.warn('not in the consumer group after 60 s; still trying');
  }
  const url = await app.getUrl();
  logger.info({ url: url.replace('[::1]', '127.0.0.1') }, `${options.appName} started`);

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await microservice?.close();
      await app.close();
    })());
  return { app, microservice, url, close };
}

/** For main.ts: stop on SIGTERM/SIGINT, Kafka consumer first, then HTTP, relay, producer, database. */
export function closeOnSignals(running: RunningApp, logger: Logger): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'shutting down');
      running.close().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
}

/** The `main.ts` entry of an app: start it, stop it on signals, and exit with a one-line JSON reason on failure. */
export function runMain(appName: string, start: () => Promise<RunningApp & { logger: Logger }>): void {
  start().then(
    (running) => closeOnSignals(running, running.logger),
    (error: Error) => {
      // Config errors name variables and rules, never values, so the message is safe to print.
      console.error(
        JSON.stringify({ level: 'fatal', app: appName, msg: 'failed to start', error: error.message }),
      );
      process.exit(1);
    },
  );
}

/**
 * The app's Kafka client, except that each consumer it creates is handed to `observe` before it connects,
 * so its events from the very first group join on (heartbeats, assignment, crashes) reach the observer.
 */
function observingConsumers(kafka: Kafka, observe: (consumer: Consumer) => void): Kafka {
  const observed = Object.create(kafka) as Kafka;
  observed.consumer = (config) => {
    const consumer = kafka.consumer(config);
    observe(consumer);
    return consumer;
  };
  return observed;
}
