import { ProviderPermanentError, ProviderUnavailableError, type OutgoingMessage } from '../channel-gateway';
import { FakeChannelGateway } from './fake-channel-gateway';

const message = (address: string, deliveryId = `d-${address}`): OutgoingMessage => ({
  deliveryId,
  address,
  text: 'hello',
});

describe('FakeChannelGateway', () => {
  it('accepts by default, records once per delivery id and reports DELIVERED', async () => {
    const gateway = new FakeChannelGateway('SMS');
    const first = await gateway.send(message('+380931234585'));
    const again = await gateway.send(message('+380931234585'));

    expect(first).toEqual({ kind: 'ACCEPTED', providerMessageId: 'fake-sms-1' });
    expect(again).toEqual(first);
    expect(gateway.sent).toHaveLength(1);
    expect(gateway.attempts).toHaveLength(2);
    await expect(gateway.fetchReports(['fake-sms-1', 'unknown'])).resolves.toEqual([
      { providerMessageId: 'fake-sms-1', outcome: 'DELIVERED' },
    ]);
  });

  it('is scriptable per address', async () => {
    const gateway = new FakeChannelGateway('VIBER')
      .reject('+380000000001', 'NOT_VIBER_USER')
      .unavailable('+380000000002')
      .failPermanently('+380000000003', 'INVALID_TOKEN')
      .accept('+380000000004', 'PENDING');

    await expect(gateway.send(message('+380000000001'))).resolves.toEqual({
      kind: 'REJECTED',
      reason: 'NOT_VIBER_USER',
    });
    await expect(gateway.send(message('+380000000002'))).rejects.toBeInstanceOf(ProviderUnavailableError);
    await expect(gateway.send(message('+380000000003'))).rejects.toEqual(
      new ProviderPermanentError('INVALID_TOKEN'),
    );
    const accepted = await gateway.send(message('+380000000004'));
    expect(accepted.kind).toBe('ACCEPTED');
    const id = accepted.kind === 'ACCEPTED' ? accepted.providerMessageId : '';
    await expect(gateway.fetchReports([id])).resolves.toEqual([
      { providerMessageId: id, outcome: 'PENDING' },
    ]);
    gateway.setReport(id, 'EXPIRED');
    await expect(gateway.fetchReports([id])).resolves.toEqual([
      { providerMessageId: id, outcome: 'EXPIRED' },
    ]);
    expect(gateway.sent.map((sent) => sent.address)).toEqual(['+380000000004']);
    expect(gateway.attempts.map((attempt) => attempt.outcome)).toEqual([
      'REJECTED',
      'UNAVAILABLE',
      'PERMANENT_ERROR',
      'ACCEPTED',
    ]);
  });

  it('can fail a number of times and then accept, for retry tests', async () => {
    const gateway = new FakeChannelGateway('SMS').unavailable('+380931234585', { times: 2, code: 'TIMEOUT' });
    await expect(gateway.send(message('+380931234585'))).rejects.toMatchObject({ code: 'TIMEOUT' });
    await expect(gateway.send(message('+380931234585'))).rejects.toMatchObject({ code: 'TIMEOUT' });
    await expect(gateway.send(message('+380931234585'))).resolves.toMatchObject({ kind: 'ACCEPTED' });
    expect(gateway.sentTo('+380931234585')).toHaveLength(1);
  });

  it('can fail status polls and be reset', async () => {
    const gateway = new FakeChannelGateway('DIIA').setDefault({ kind: 'REJECT', reason: 'DIIA_NOT_FOUND' });
    await expect(gateway.send(message('1234567890'))).resolves.toEqual({
      kind: 'REJECTED',
      reason: 'DIIA_NOT_FOUND',
    });
    gateway.failReports(new ProviderUnavailableError('HTTP_503'));
    await expect(gateway.fetchReports(['x'])).rejects.toBeInstanceOf(ProviderUnavailableError);
    gateway.reset();
    await expect(gateway.fetchReports(['x'])).resolves.toEqual([]);
    await expect(gateway.send(message('1234567890'))).resolves.toMatchObject({ kind: 'ACCEPTED' });
    expect(gateway.attempts).toHaveLength(1);
  });
});
