import { loadSimulatorConfig, SimulatorConfigError } from './simulator.config';
import { maskPhone, normalisePhone } from './phone';

describe('simulator config', () => {
  it('has local defaults', () => {
    expect({ ...loadSimulatorConfig({}) }).toEqual({
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      MAX_MESSAGES: 50_000,
      PORT: 3100,
      PROVIDER_TOKEN: 'local-provider-token',
      WEBHOOK_SECRET: 'local-webhook-secret',
      VIBER_CALLBACK_URL: 'http://127.0.0.1:3002/webhooks/turbosms',
      SMS_CALLBACK_URL: 'http://127.0.0.1:3003/webhooks/turbosms',
      SMSC_CALLBACK_URL: 'http://127.0.0.1:3003/webhooks/smsc',
      SMSC_LOGIN: 'esoz-notify',
      SMSC_PASSWORD: 'local-smsc-password',
      SMSC_WEBHOOK_SECRET: 'local-webhook-secret',
      REPORT_DELAY_MS: 300,
    });
  });

  it('reads and converts env values', () => {
    const config = loadSimulatorConfig({
      PORT: '4100',
      REPORT_DELAY_MS: '0',
      HOST: '0.0.0.0',
      UNRELATED: 'x',
    });
    expect(config).toMatchObject({ PORT: 4100, REPORT_DELAY_MS: 0, HOST: '0.0.0.0' });
  });

  it('names bad variables without echoing values', () => {
    const error = (() => {
      try {
        loadSimulatorConfig({ PORT: 'abc', VIBER_CALLBACK_URL: 'not a url', PROVIDER_TOKEN: '' });
      } catch (caught) {
        return caught as SimulatorConfigError;
      }
      throw new Error('expected a throw');
    })();
    expect(error).toBeInstanceOf(SimulatorConfigError);
    expect(error.problems.map((problem) => problem.split(' ')[0])).toEqual([
      'PORT',
      'PROVIDER_TOKEN',
      'VIBER_CALLBACK_URL',
    ]);
    expect(error.message).not.toContain('not a url');
  });

  it('refuses the local secrets in production', () => {
    expect(() => loadSimulatorConfig({ NODE_ENV: 'production' })).toThrow(
      /PROVIDER_TOKEN.*WEBHOOK_SECRET.*SMSC_PASSWORD.*SMSC_WEBHOOK_SECRET/,
    );
    expect(
      loadSimulatorConfig({
        NODE_ENV: 'production',
        PROVIDER_TOKEN: 't',
        WEBHOOK_SECRET: 's',
        SMSC_PASSWORD: 'p',
        SMSC_WEBHOOK_SECRET: 'w',
      }).NODE_ENV,
    ).toBe('production');
  });
});

describe('phones', () => {
  it.each([
    ['+380931234585', '+380931234585'],
    ['380931234585', '+380931234585'],
    [' 380931234585', '+380931234585'],
    ['0931234585', undefined],
    ['+38093123458', undefined],
  ])('normalises %p to %p', (raw, normalised) => {
    expect(normalisePhone(raw)).toBe(normalised);
  });

  it('masks like eHealth: first 6, five stars, last 2', () => {
    expect(maskPhone('+380931234585')).toBe('+38093*****85');
    expect(maskPhone('380931234585')).toBe('+38093*****85');
    expect(maskPhone('123')).toBe('*****');
  });
});
