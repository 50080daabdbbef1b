import { startProviderSimulator } from './main';

describe('startProviderSimulator', () => {
  it('starts from an env on a free port, serves, and closes', async () => {
    const running = await startProviderSimulator({ PORT: '0', LOG_LEVEL: 'silent', PROVIDER_TOKEN: 't' });
    try {
      expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(running.url).not.toMatch(/:0$/);
      await expect(fetch(`${running.url}/health`).then((response) => response.json())).resolves.toEqual({
        status: 'ok',
      });
      const unauthorised = await fetch(`${running.url}/message/status.json`, { method: 'POST' });
      await expect(unauthorised.json()).resolves.toEqual({
        response_code: 301,
        response_status: 'INVALID_TOKEN',
      });
    } finally {
      await running.close();
    }
  });

  it('refuses a bad configuration', async () => {
    await expect(startProviderSimulator({ PORT: 'x' })).rejects.toThrow('PORT');
  });
});
