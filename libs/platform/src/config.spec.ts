import 'reflect-metadata';
import { BaseAppConfig, ConfigError, loadConfig } from './config';

describe('BaseAppConfig consumer-group and replica settings', () => {
  it('defaults to the failover timeouts and reads INSTANCE_ID', () => {
    const config = loadConfig(BaseAppConfig, { PORT: '3002', INSTANCE_ID: 'viber-sender-2' });
    expect(config).toMatchObject({
      KAFKA_SESSION_TIMEOUT_MS: 6000,
      KAFKA_HEARTBEAT_INTERVAL_MS: 1000,
      KAFKA_REBALANCE_TIMEOUT_MS: 10_000,
      INSTANCE_ID: 'viber-sender-2',
    });
  });

  it('refuses a heartbeat interval above a third of the session timeout, and a bad instance id', () => {
    expect(() =>
      loadConfig(BaseAppConfig, {
        PORT: '1',
        KAFKA_SESSION_TIMEOUT_MS: '6000',
        KAFKA_HEARTBEAT_INTERVAL_MS: '3000',
      }),
    ).toThrow(/KAFKA_HEARTBEAT_INTERVAL_MS \(at most a third of KAFKA_SESSION_TIMEOUT_MS\)/);
    expect(() => loadConfig(BaseAppConfig, { PORT: '1', INSTANCE_ID: 'Viber Sender' })).toThrow(ConfigError);
  });
});
