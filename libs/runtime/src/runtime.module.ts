import {
  type BeforeApplicationShutdown,
  type DynamicModule,
  Inject,
  Injectable,
  Module,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { OutboxPublisher, OutboxRelay } from '@app/delivery';
import { createKafka, KafkaProducer } from '@app/kafka';
import { AppMetrics, type BaseAppConfig, CodeCipher } from '@app/platform';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { databaseModule } from './database';
import { HealthController } from './health.controller';
import { MetricsController } from './metrics.controller';
import { ConsumerMembership } from './consumer-membership';
import { OutboxCollector, ScrapeCollectors } from './scrape-collectors';
import { APP_CONFIG, APP_LOGGER, KAFKA } from './tokens';

/** Starts the shared pieces when the app starts and stops them in reverse order (Kafka before the database). */
@Injectable()
class RuntimeLifecycle implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    private readonly producer: KafkaProducer,
    private readonly relay: OutboxRelay,
    private readonly publisher: OutboxPublisher,
    private readonly dataSource: DataSource,
    private readonly collectors: ScrapeCollectors,
    private readonly membership: ConsumerMembership,
    private readonly metrics: AppMetrics,
  ) {}

  async onModuleInit(): Promise<void> {
    this.collectors.add(new OutboxCollector(this.dataSource, this.metrics));
    await this.producer.connect();
    this.relay.start();
  }

  /** Before any module's shutdown hook: TypeORM's own hook may close the pool the relay still uses. */
  async beforeApplicationShutdown(): Promise<void> {
    // Publish what is queued and delete what was published, so a clean stop leaves the relay nothing to
    // republish; bounded, since Kafka or Postgres may be what is going away.
    await Promise.race([this.publisher.idle(), new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
    await this.relay.stop();
    await this.producer.disconnect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.membership.close();
    await this.collectors.close();
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/**
 * What every app has: its validated config, JSON logger, metrics (with the scrape-time collectors), the
 * database, one Kafka client and producer, the outbox relay, the code cipher, its consumer-group membership,
 * and `/health`, `/health/live`, `/health/ready` + `/metrics` on the app's port.
 */
@Module({})
export class RuntimeModule {
  static forApp(appName: string, config: BaseAppConfig, logger: Logger): DynamicModule {
    const metrics = new AppMetrics(appName);
    // The client id names the replica in the group's member list (`kafka-consumer-groups --describe`).
    const suffix = config.KAFKA_CLIENT_ID_SUFFIX || (config.INSTANCE_ID ? `-${config.INSTANCE_ID}` : '');
    const kafka = createKafka(config.KAFKA_BROKERS, `${appName}${suffix}`, logger);
    return {
      module: RuntimeModule,
      global: true,
      imports: [TerminusModule, databaseModule(appName, config)],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: APP_LOGGER, useValue: logger },
        { provide: AppMetrics, useValue: metrics },
        {
          provide: ConsumerMembership,
          useValue: new ConsumerMembership(
            config.KAFKA_SESSION_TIMEOUT_MS,
            config.KAFKA_REBALANCE_TIMEOUT_MS,
            () => metrics.consumerRebalanced(),
          ),
        },
        { provide: ScrapeCollectors, useValue: new ScrapeCollectors() },
        { provide: KAFKA, useValue: kafka },
        { provide: KafkaProducer, useValue: new KafkaProducer(kafka) },
        { provide: CodeCipher, useValue: new CodeCipher(config.CODE_ENCRYPTION_KEY) },
        {
          provide: OutboxPublisher,
          inject: [DataSource, KafkaProducer],
          useFactory: (dataSource: DataSource, producer: KafkaProducer) =>
            new OutboxPublisher(
              dataSource,
              producer,
              logger.child({ component: 'outbox' }),
              metrics,
              config.KAFKA_TOPIC_PREFIX,
              config.KAFKA_LINGER_MS,
            ),
        },
        {
          provide: OutboxRelay,
          inject: [DataSource, OutboxPublisher],
          useFactory: (dataSource: DataSource, publisher: OutboxPublisher) =>
            new OutboxRelay(dataSource, publisher, logger.child({ component: 'outbox-relay' })),
        },
        RuntimeLifecycle,
      ],
      exports: [
        APP_CONFIG,
        APP_LOGGER,
        AppMetrics,
        KAFKA,
        KafkaProducer,
        CodeCipher,
        OutboxPublisher,
        OutboxRelay,
        ConsumerMembership,
        ScrapeCollectors,
      ],
    };
  }
}

export const InjectConfig = () => Inject(APP_CONFIG);
export const InjectLogger = () => Inject(APP_LOGGER);
export const InjectKafka = () => Inject(KAFKA);
export type { Kafka };
