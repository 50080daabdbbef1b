import 'reflect-metadata';
import { smsPolicy } from '@app/delivery';
import { createLogger } from '@app/platform';
import { TurboSmsClient, TurboSmsSmsGateway } from '@app/providers';
import { CHANNEL_GATEWAY, ChannelSenderModule, deliveryBindings, startApp, runMain } from '@app/runtime';
import { loadSmsSenderConfig } from './sms-sender.config';

export async function startSmsSender(env?: Record<string, string | undefined>) {
  const config = loadSmsSenderConfig(env);
  const logger = createLogger('sms-sender', config.LOG_LEVEL);
  const client = new TurboSmsClient({
    baseUrl: config.PROVIDER_BASE_URL,
    token: config.PROVIDER_TOKEN,
    timeoutMs: config.PROVIDER_TIMEOUT_MS,
  });
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
      useValue: new TurboSmsSmsGateway(client, { sender: config.SMS_SENDER_NAME }),
    },
    webhookSecret: config.WEBHOOK_SECRET,
    // An attempt owns its delivery a little longer than a provider call can take.
    engineOptions: { attemptLeaseSeconds: Math.ceil(config.PROVIDER_TIMEOUT_MS / 1000) + 5 },
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
