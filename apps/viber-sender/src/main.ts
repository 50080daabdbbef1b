import 'reflect-metadata';
import { phoneChannelPolicy } from '@app/delivery';
import { createLogger } from '@app/platform';
import { TurboSmsClient, TurboSmsViberGateway } from '@app/providers';
import { CHANNEL_GATEWAY, ChannelSenderModule, deliveryBindings, startApp, runMain } from '@app/runtime';
import { loadViberSenderConfig } from './viber-sender.config';

export async function startViberSender(env?: Record<string, string | undefined>) {
  const config = loadViberSenderConfig(env);
  const logger = createLogger('viber-sender', config.LOG_LEVEL);
  const client = new TurboSmsClient({
    baseUrl: config.PROVIDER_BASE_URL,
    token: config.PROVIDER_TOKEN,
    timeoutMs: config.PROVIDER_TIMEOUT_MS,
  });
  const module = ChannelSenderModule.register({
    appName: 'viber-sender',
    channel: 'VIBER',
    config,
    logger,
    policy: phoneChannelPolicy('VIBER', {
      codeReportTimeoutSeconds: config.CODE_REPORT_TIMEOUT_SECONDS,
      reportTimeoutSeconds: config.REPORT_TIMEOUT_SECONDS,
    }),
    provider: 'turbosms',
    gateway: {
      provide: CHANNEL_GATEWAY,
      useValue: new TurboSmsViberGateway(client, { sender: config.VIBER_SENDER_NAME }),
    },
    webhookSecret: config.WEBHOOK_SECRET,
    // An attempt owns its delivery a little longer than a provider call can take.
    engineOptions: { attemptLeaseSeconds: Math.ceil(config.PROVIDER_TIMEOUT_MS / 1000) + 5 },
  });
  const running = await startApp(module, {
    appName: 'viber-sender',
    config,
    logger,
    bindings: deliveryBindings('VIBER'),
  });
  return { ...running, logger };
}

if (require.main === module) runMain('viber-sender', () => startViberSender());
