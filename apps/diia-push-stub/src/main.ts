import 'reflect-metadata';
import { DeliveryEngine, phoneChannelPolicy } from '@app/delivery';
import { createLogger } from '@app/platform';
import { CHANNEL_GATEWAY, ChannelSenderModule, deliveryBindings, startApp, runMain } from '@app/runtime';
import { DiiaControlController } from './control.controller';
import { DiiaStubGateway } from './diia-stub.gateway';
import { loadDiiaPushStubConfig } from './diia-push-stub.config';

export async function startDiiaPushStub(env?: Record<string, string | undefined>) {
  const config = loadDiiaPushStubConfig(env);
  const logger = createLogger('diia-push-stub', config.LOG_LEVEL);
  const gateway = new DiiaStubGateway(config.STUB_REPORT_DELAY_MS);
  const module = ChannelSenderModule.register({
    appName: 'diia-push-stub',
    channel: 'DIIA',
    config,
    logger,
    policy: phoneChannelPolicy('DIIA', {
      codeReportTimeoutSeconds: config.CODE_REPORT_TIMEOUT_SECONDS,
      reportTimeoutSeconds: config.REPORT_TIMEOUT_SECONDS,
    }),
    provider: 'diia-stub',
    gateway: { provide: CHANNEL_GATEWAY, useValue: gateway },
    extraControllers: [DiiaControlController],
  });
  const running = await startApp(module, {
    appName: 'diia-push-stub',
    config,
    logger,
    bindings: deliveryBindings('DIIA'),
  });
  const engine = running.app.get(DeliveryEngine);
  // As a webhook's reports: batched, and one that overtakes its attempt waits for the attempt's write.
  gateway.onReport((reports) => engine.report(reports));
  return { ...running, logger, gateway };
}

if (require.main === module) runMain('diia-push-stub', () => startDiiaPushStub());
