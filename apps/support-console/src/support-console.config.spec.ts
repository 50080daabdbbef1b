import { ConfigError, LOCAL_SECRETS } from '@app/platform';
import { loadSupportConsoleConfig } from './support-console.config';

describe('support console config', () => {
  it('refuses to start in production with the local support token, or without one', () => {
    for (const token of [LOCAL_SECRETS.SUPPORT_TOKEN, undefined]) {
      expect(() => loadSupportConsoleConfig({ NODE_ENV: 'production', SUPPORT_TOKEN: token })).toThrow(
        ConfigError,
      );
    }
  });

  it('needs no Kafka setting and no code key, and sends Secure cookies in production', () => {
    const config = loadSupportConsoleConfig({
      NODE_ENV: 'production',
      SUPPORT_TOKEN: 'a-real-console-credential',
    });
    expect(config.secureCookies).toBe(true);
    expect('CODE_ENCRYPTION_KEY' in config).toBe(false);
    expect(loadSupportConsoleConfig({}).secureCookies).toBe(false);
    expect(loadSupportConsoleConfig({}).PORT).toBe(3006);
  });
});
