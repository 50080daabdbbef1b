import {
  BadRequestException,
  Controller,
  type DynamicModule,
  HttpCode,
  Inject,
  Injectable,
  Module,
  type OnApplicationBootstrap,
  type BeforeApplicationShutdown,
  Post,
  type Provider,
  type RawBodyRequest,
  Req,
  UnauthorizedException,
  UseFilters,
  type Type,
} from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { DeliveryCommand, type Topic } from '@app/contracts';
import {
  CHANNEL_TOPIC,
  DeliveryEngine,
  type DeliveryEngineOptions,
  type DeliveryPolicy,
  OutboxPublisher,
} from '@app/delivery';
import { type InboundMessage, RethrowRpcErrorsFilter, type TopicBinding } from '@app/kafka';
import { AppMetrics, type BaseAppConfig, CodeCipher } from '@app/platform';
import {
  type ChannelGateway,
  type DeliveryReport,
  isFailoverSmsGateway,
  parseSmscCallback,
  parseTurboSmsWebhook,
  WebhookPayloadError,
  WebhookSignatureError,
} from '@app/providers';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { InstrumentedGateway } from './instrumented-gateway';
import { RuntimeModule } from './runtime.module';
import { DeliveryCollector, ScrapeCollectors } from './scrape-collectors';

/** The part of Express's request the webhook reads (raw body for the HMAC check). */
interface WebhookRequest {
  header(name: string): string | undefined;
}

export const CHANNEL_GATEWAY = Symbol('CHANNEL_GATEWAY');

export interface ChannelSenderOptions {
  appName: string;
  channel: 'DIIA' | 'VIBER' | 'SMS';
  config: BaseAppConfig;
  logger: Logger;
  policy: DeliveryPolicy;
  /** Provider adapter (real HTTP or stub) bound to CHANNEL_GATEWAY. */
  gateway: Provider;
  /** Provider name for the metrics (`turbosms`, `diia-stub`); the channel's name in lower case by default. */
  provider?: string;
  /** Shared secret of the provider's delivery-report webhook; no webhook route when absent. */
  webhookSecret?: string;
  engineOptions?: Partial<DeliveryEngineOptions>;
  /** SMS with SMSC among the providers: the secret of SMSC's status callback (`POST /webhooks/smsc`). */
  smscWebhookSecret?: string;
  extraControllers?: Type[];
  extraProviders?: Provider[];
}

export const deliveryBindings = (channel: 'DIIA' | 'VIBER' | 'SMS'): TopicBinding[] => [
  { topic: CHANNEL_TOPIC[channel], schema: DeliveryCommand },
];

export const SENDER_CHANNEL = Symbol('SENDER_CHANNEL');

@Injectable()
class EngineLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    private readonly engine: DeliveryEngine,
    private readonly collectors: ScrapeCollectors,
    private readonly dataSource: DataSource,
    private readonly metrics: AppMetrics,
    @Inject(SENDER_CHANNEL) private readonly channel: string,
  ) {}
  onApplicationBootstrap(): void {
    // Deliveries pending and durable timers overdue for this app's channel, read at scrape time only.
    this.collectors.add(new DeliveryCollector(this.dataSource, this.metrics, this.channel));
    this.engine.start();
  }
  async beforeApplicationShutdown(): Promise<void> {
    await this.engine.stop();
  }
}

/** The consumer hands commands to the engine, which stores them durably and attempts the new ones at once. */
function deliveryConsumer(topic: Topic): Type {
  @Controller()
  @UseFilters(RethrowRpcErrorsFilter)
  class DeliveryConsumer {
    constructor(private readonly engine: DeliveryEngine) {}
    async accept(messages: InboundMessage<DeliveryCommand>[]): Promise<void> {
      await this.engine.accept(messages.map((message) => message.value));
    }
  }
  const descriptor = Object.getOwnPropertyDescriptor(DeliveryConsumer.prototype, 'accept')!;
  EventPattern(topic)(DeliveryConsumer.prototype, 'accept', descriptor);
  Payload()(DeliveryConsumer.prototype, 'accept', 0);
  return DeliveryConsumer;
}

/** Verifies a signed report body: 401 for a bad signature, 400 for a bad body, before anything else. */
function verified<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof WebhookSignatureError) throw new UnauthorizedException('invalid webhook signature');
    if (error instanceof WebhookPayloadError) throw new BadRequestException(error.message);
    throw error;
  }
}

function turboSmsWebhook(secret: string, channel: 'VIBER' | 'SMS'): Type {
  @Controller('webhooks')
  class TurboSmsWebhookController {
    constructor(
      private readonly engine: DeliveryEngine,
      @Inject(CHANNEL_GATEWAY) private readonly gateway: ChannelGateway,
    ) {}

    @Post('turbosms')
    @HttpCode(204)
    async report(@Req() request: RawBodyRequest<WebhookRequest>): Promise<void> {
      const report = verified(() =>
        parseTurboSmsWebhook(request.rawBody ?? Buffer.alloc(0), request.header('x-signature'), secret),
      );
      if (report.channel !== channel) throw new BadRequestException(`report for another channel`);
      // Behind the SMS failover, message ids are namespaced by provider. Batched with the reports arriving
      // meanwhile; answered once applied, so a failure is retried by the provider.
      const reports: DeliveryReport[] = isFailoverSmsGateway(this.gateway)
        ? await this.gateway.fromCallback('turbosms', report)
        : [report];
      await this.engine.report(reports);
    }
  }
  return TurboSmsWebhookController;
}

/** SMSC's status callback (a signed form): the failover router finds which delivery it is about. */
function smscWebhook(secret: string): Type {
  @Controller('webhooks')
  class SmscWebhookController {
    constructor(
      private readonly engine: DeliveryEngine,
      @Inject(CHANNEL_GATEWAY) private readonly gateway: ChannelGateway,
    ) {}

    @Post('smsc')
    @HttpCode(204)
    async report(@Req() request: RawBodyRequest<WebhookRequest>): Promise<void> {
      const report = verified(() =>
        parseSmscCallback(request.rawBody ?? Buffer.alloc(0), request.header('x-signature'), secret),
      );
      if (!isFailoverSmsGateway(this.gateway)) throw new BadRequestException('SMSC is not a provider here');
      const reports = await this.gateway.fromCallback('smsc', report);
      await this.engine.report(reports);
    }
  }
  return SmscWebhookController;
}

/** Everything a channel sender app is: consumer, delivery engine, provider port, optional report webhook. */
@Module({})
export class ChannelSenderModule {
  static register(options: ChannelSenderOptions): DynamicModule {
    const { channel, logger, policy } = options;
    const controllers = [deliveryConsumer(CHANNEL_TOPIC[channel])];
    if (options.webhookSecret && channel !== 'DIIA')
      controllers.push(turboSmsWebhook(options.webhookSecret, channel));
    if (options.smscWebhookSecret && channel === 'SMS')
      controllers.push(smscWebhook(options.smscWebhookSecret));
    return {
      module: ChannelSenderModule,
      imports: [RuntimeModule.forApp(options.appName, options.config, logger)],
      controllers: [...controllers, ...(options.extraControllers ?? [])],
      providers: [
        options.gateway,
        {
          provide: DeliveryEngine,
          inject: [CHANNEL_GATEWAY, DataSource, CodeCipher, OutboxPublisher, AppMetrics],
          useFactory: (
            gateway: ChannelGateway,
            dataSource: DataSource,
            cipher: CodeCipher,
            publisher: OutboxPublisher,
            metrics: AppMetrics,
          ) =>
            new DeliveryEngine(
              channel,
              new InstrumentedGateway(gateway, metrics, options.provider ?? channel.toLowerCase()),
              policy,
              dataSource,
              cipher,
              publisher,
              logger.child({ component: 'delivery', channel }),
              metrics,
              options.engineOptions,
            ),
        },
        { provide: SENDER_CHANNEL, useValue: channel },
        EngineLifecycle,
        ...(options.extraProviders ?? []),
      ],
      exports: [DeliveryEngine],
    };
  }
}

export const InjectGateway = () => Inject(CHANNEL_GATEWAY);
