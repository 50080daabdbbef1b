import 'reflect-metadata';
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { smsPolicy } from '@app/delivery';
import { AppMetrics, createLogger } from '@app/platform';
import {
  FailoverSmsGateway,
  SmscClient,
  SmscSmsGateway,
  type SmsProviderAdapter,
  TurboSmsClient,
  TurboSmsSmsGateway,
} from '@app/providers';
import { CHANNEL_GATEWAY, ChannelSenderModule, deliveryBindings, startApp, runMain } from '@app/runtime';
import { loadSmsSenderConfig, type SmsSenderConfig } from './sms-sender.config';
import { PgSmsProviderStore } from './sms-provider-store';

/** Closes the failover's own database pool when the app stops. */
@Injectable()
class ProviderStoreLifecycle implements OnApplicationShutdown {
  constructor(private readonly store: PgSmsProviderStore) {}
  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

/** One adapter per configured provider; vendor HTTP stays inside them. */
function adapters(config: SmsSenderConfig, store: PgSmsProviderStore): SmsProviderAdapter[] {
  const names = new Set(config.smsProviders.map((p) => p.name));
  const list: SmsProviderAdapter[] = [];
  if (names.has('turbosms')) {
    const client = new TurboSmsClient({
      baseUrl: config.PROVIDER_BASE_URL,
      token: config.PROVIDER_TOKEN,
      timeoutMs: config.PROVIDER_TIMEOUT_MS,
    });
    list.push(new TurboSmsSmsGateway(client, { sender: config.SMS_SENDER_NAME }));
  }
  if (names.has('smsc')) {
    const client = new SmscClient({
      baseUrl: config.SMSC_BASE_URL,
      login: config.SMSC_LOGIN,
      password: config.SMSC_PASSWORD,
      timeoutMs: config.PROVIDER_TIMEOUT_MS,
    });
    list.push(new SmscSmsGateway(client, store, { sender: config.SMS_SENDER_NAME }));
  }
  return list;
}

export async function startSmsSender(env?: Record<string, string | undefined>) {
  const config = loadSmsSenderConfig(env);
  const logger = createLogger('sms-sender', config.LOG_LEVEL);
  const store = new PgSmsProviderStore(config.DATABASE_URL, config.RETENTION_HOURS);
  const usesSmsc = config.smsProviders.some((p) => p.name === 'smsc');
  const module = ChannelSenderModule.register({
    appName: 'sms-sender',
    channel: 'SMS',
    config,
    logger,
    policy: smsPolicy({
      codeReportTimeoutSeconds: config.CODE_REPORT_TIMEOUT_SECONDS,
      reportTimeoutSeconds: config.REPORT_TIMEOUT_SECONDS,
      maxAttempts: config.SMS_MAX_ATTEMPTS,
      maxBackoffSeconds: config.SMS_MAX_BACKOFF_SECONDS,
    }),
    provider: 'turbosms',
    gateway: {
      provide: CHANNEL_GATEWAY,
      inject: [AppMetrics],
      useFactory: (metrics: AppMetrics) =>
        new FailoverSmsGateway({
          providers: config.smsProviders,
          adapters: adapters(config, store),
          journal: store,
          reportStats: store,
          health: {
            failureThreshold: config.SMS_PROVIDER_FAILURE_THRESHOLD,
            cooldownMs: config.SMS_PROVIDER_COOLDOWN_SECONDS * 1000,
            maxCooldownMs: config.SMS_PROVIDER_MAX_COOLDOWN_SECONDS * 1000,
          },
          reports: {
            silenceMs: config.SMS_PROVIDER_REPORT_SILENCE_SECONDS * 1000,
            minMissing: config.SMS_PROVIDER_MISSING_REPORTS,
            minShare: config.SMS_PROVIDER_MISSING_REPORT_SHARE,
          },
          logger: logger.child({ component: 'sms-providers' }),
          metrics,
        }),
    },
    webhookSecret: config.WEBHOOK_SECRET,
    // An attempt owns its delivery a little longer than a provider call can take.
    engineOptions: { attemptLeaseSeconds: Math.ceil(config.PROVIDER_TIMEOUT_MS / 1000) + 5 },
    ...(usesSmsc ? { smscWebhookSecret: config.SMSC_WEBHOOK_SECRET } : {}),
    extraProviders: [{ provide: PgSmsProviderStore, useValue: store }, ProviderStoreLifecycle],
  });
  const running = await startApp(module, {
    appName: 'sms-sender',
    config,
    logger,
    bindings: deliveryBindings('SMS'),
  });
  return { ...running, logger };
}

if (require.main === module) runMain('sms-sender', () => startSmsSender());
