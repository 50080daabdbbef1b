import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { ProviderPermanentError, ProviderUnavailableError, type OutgoingMessage } from '../channel-gateway';
import { TurboSmsClient } from './turbosms.client';
import { TurboSmsSmsGateway, TurboSmsViberGateway } from './turbosms.gateway';
import type { TurboSmsSendRequest } from './turbosms.types';

const TOKEN = 'test-token';
const PHONE = '+380931234585';

type Handler = (request: { path: string; auth?: string; body: unknown }, response: ServerResponse) => void;

/** A tiny stand-in for the provider: each test scripts the handler; every request is recorded. */
class LocalProvider {
  readonly requests: { path: string; auth?: string; body: unknown }[] = [];
  handler: Handler = (_request, response) => json(response, 500, {});
  private server!: Server;

  async start(): Promise<string> {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const request = {
          path: req.url ?? '',
          auth: req.headers.authorization,
          body: JSON.parse(Buffer.concat(chunks).toString() || 'null'),
        };
        this.requests.push(request);
        this.handler(request, res);
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function accepted(phone: string, messageId: string) {
  return {
    response_code: 800,
    response_status: 'SUCCESS_MESSAGE_ACCEPTED',
    response_result: [{ phone, response_code: 0, message_id: messageId, response_status: 'OK' }],
  };
}

function rejected(phone: string, code: number, status: string) {
  return {
    response_code: 800,
    response_status: 'SUCCESS_MESSAGE_ACCEPTED',
    response_result: [{ phone, response_code: code, message_id: null, response_status: status }],
  };
}

function message(overrides: Partial<OutgoingMessage> = {}): OutgoingMessage {
  return { deliveryId: randomUUID(), address: PHONE, text: 'Код: 1234', ttlSeconds: 300, ...overrides };
}

describe('TurboSMS gateways', () => {
  const provider = new LocalProvider();
  let baseUrl: string;
  let viber: TurboSmsViberGateway;
  let sms: TurboSmsSmsGateway;

  beforeAll(async () => {
    baseUrl = await provider.start();
  });
  afterAll(() => provider.stop());
  beforeEach(() => {
    provider.requests.length = 0;
    const client = new TurboSmsClient({ baseUrl, token: TOKEN, timeoutMs: 300 });
    viber = new TurboSmsViberGateway(client, { sender: 'eHealth' });
    sms = new TurboSmsSmsGateway(client);
  });

  describe('send', () => {
    it('sends one channel with the bearer token, the TurboSMS phone and our delivery id, and returns ACCEPTED', async () => {
      provider.handler = (request, response) => json(response, 200, accepted('380931234585', 'm-1'));
      const outgoing = message();

      await expect(viber.send(outgoing)).resolves.toEqual({ kind: 'ACCEPTED', providerMessageId: 'm-1' });
      expect(provider.requests).toEqual([
        {
          path: '/message/send.json',
          auth: `Bearer ${TOKEN}`,
          body: {
            recipients: ['380931234585'],
            viber: { sender: 'eHealth', text: 'Код: 1234', ttl: 300 },
            sequence_id: outgoing.deliveryId,
          },
        },
      ]);
    });

    it('sends SMS without a viber part', async () => {
      provider.handler = (request, response) => json(response, 200, accepted('380931234585', 'm-2'));
      await expect(sms.send(message())).resolves.toEqual({ kind: 'ACCEPTED', providerMessageId: 'm-2' });
      const body = provider.requests[0].body as TurboSmsSendRequest;
      expect(body.sms).toEqual({ sender: 'eHealth', text: 'Код: 1234' });
      expect(body.viber).toBeUndefined();
    });

    it('clamps the Viber TTL into the provider range and omits it when not given', async () => {
      provider.handler = (request, response) => json(response, 200, accepted('380931234585', 'm-3'));
      await viber.send(message({ ttlSeconds: 5 }));
      await viber.send(message({ ttlSeconds: undefined }));
      expect((provider.requests[0].body as TurboSmsSendRequest).viber?.ttl).toBe(30);
      expect((provider.requests[1].body as TurboSmsSendRequest).viber).not.toHaveProperty('ttl');
    });

    it.each([
      [9, 'NOT_VIBER_USER', 'NOT_VIBER_USER'],
      [8, 'USER_BLOCKED', 'USER_BLOCKED'],
      [10, 'NO_SUITABLE_DEVICE', 'NO_SUITABLE_DEVICE'],
      [404, 'NOT_ALLOWED_NUMBER_STOPLIST', 'STOP_LIST'],
      [305, 'INVALID_PHONE', 'INVALID_NUMBER'],
      [410, 'NOT_ALLOWED_MESSAGE_TRANSACTION_CONTENT', 'PROVIDER_REJECTED'],
    ])('maps the per-recipient reject %i %s to REJECTED %s', async (code, status, reason) => {
      provider.handler = (request, response) => json(response, 200, rejected('380931234585', code, status));
      await expect(viber.send(message())).resolves.toEqual({ kind: 'REJECTED', reason });
    });

    it('rejects an address that is not a phone without calling the provider', async () => {
      await expect(sms.send(message({ address: 'not-a-phone' }))).resolves.toEqual({
        kind: 'REJECTED',
        reason: 'INVALID_NUMBER',
      });
      expect(provider.requests).toHaveLength(0);
    });

    it('turns INVALID_TOKEN into a permanent error', async () => {
      provider.handler = (request, response) =>
        json(response, 200, { response_code: 301, response_status: 'INVALID_TOKEN' });
      const error = await viber.send(message()).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ProviderPermanentError);
      expect(error).toMatchObject({ code: 'INVALID_TOKEN', retriable: false });
    });

    it.each([503, 500, 429])('turns HTTP %i into a retriable error', async (status) => {
      provider.handler = (request, response) =>
        json(response, status, { response_code: 503, response_status: 'FAILED_SMS_SEND' });
      const error = await sms.send(message()).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ProviderUnavailableError);
      expect(error).toMatchObject({ code: `HTTP_${status}`, retriable: true });
    });

    it('turns other HTTP 4xx into a permanent error', async () => {
      provider.handler = (request, response) => json(response, 400, { message: 'bad' });
      await expect(sms.send(message())).rejects.toMatchObject({
        name: 'ProviderPermanentError',
        code: 'HTTP_400',
      });
    });

    it('turns a provider-level send failure in a 200 body into a retriable error', async () => {
      provider.handler = (request, response) =>
        json(response, 200, { response_code: 504, response_status: 'FAILED_VIBER_SEND' });
      await expect(viber.send(message())).rejects.toMatchObject({
        name: 'ProviderUnavailableError',
        code: 'FAILED_VIBER_SEND',
      });
    });

    it('turns a garbled 200 into a retriable error (the resend is idempotent)', async () => {
      provider.handler = (request, response) => response.writeHead(200).end('<html>oops</html>');
      await expect(viber.send(message())).rejects.toMatchObject({
        name: 'ProviderUnavailableError',
        code: 'INVALID_RESPONSE',
      });
    });

    it('times out a provider that does not answer', async () => {
      provider.handler = () => undefined; // never answers
      const started = Date.now();
      await expect(viber.send(message())).rejects.toMatchObject({
        name: 'ProviderUnavailableError',
        code: 'TIMEOUT',
      });
      expect(Date.now() - started).toBeLessThan(2000);
    });

    it('times out a provider that stalls in the middle of the body', async () => {
      provider.handler = (request, response) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.write('{"response_code":');
      };
      await expect(viber.send(message())).rejects.toMatchObject({
        name: 'ProviderUnavailableError',
        code: 'TIMEOUT',
      });
    });

    it('reports a refused connection as retriable', async () => {
      const closed = new LocalProvider();
      const closedUrl = await closed.start();
      await closed.stop();
      const gateway = new TurboSmsSmsGateway(
        new TurboSmsClient({ baseUrl: closedUrl, token: TOKEN, timeoutMs: 1000 }),
      );
      await expect(gateway.send(message())).rejects.toMatchObject({
        name: 'ProviderUnavailableError',
        code: 'CONNECTION_ERROR',
        // The request never reached the provider: another provider may send it.
        kind: 'CONNECTION',
        mayHaveSent: false,
      });
    });

    it.each([
      [503, 'HTTP_5XX', false],
      [429, 'RATE_LIMITED', false],
      [500, 'HTTP_5XX', true],
      [504, 'HTTP_5XX', true],
    ])('says whether HTTP %i may have sent the message', async (status, kind, mayHaveSent) => {
      provider.handler = (request, response) => json(response, status, {});
      await expect(sms.send(message())).rejects.toMatchObject({ kind, mayHaveSent });
    });

    it('treats a time-out and a garbled answer as "may have sent", the provider failure code as not', async () => {
      provider.handler = () => undefined;
      await expect(sms.send(message())).rejects.toMatchObject({ kind: 'TIMEOUT', mayHaveSent: true });
      provider.handler = (request, response) => response.writeHead(200).end('<html>');
      await expect(sms.send(message())).rejects.toMatchObject({
        kind: 'INVALID_RESPONSE',
        mayHaveSent: true,
      });
      provider.handler = (request, response) =>
        json(response, 200, rejected('380931234585', 503, 'FAILED_SMS_SEND'));
      await expect(sms.send(message())).rejects.toMatchObject({ kind: 'PROVIDER_ERROR', mayHaveSent: false });
    });

    it('probes the balance, which sends nothing', async () => {
      provider.handler = (request, response) =>
        json(response, 200, { response_code: 0, response_status: 'OK', response_result: { balance: 10 } });
      await expect(sms.probe()).resolves.toBeUndefined();
      expect(provider.requests).toEqual([{ path: '/user/balance.json', auth: `Bearer ${TOKEN}`, body: {} }]);
      provider.handler = (request, response) => json(response, 503, {});
      await expect(sms.probe()).rejects.toMatchObject({ code: 'HTTP_503' });
    });

    it('resends with the same sequence_id, so an idempotent provider returns the same message id', async () => {
      const idsBySequence = new Map<string, string>();
      let calls = 0;
      provider.handler = (request, response) => {
        calls += 1;
        if (calls === 1) return json(response, 503, {}); // first try: outage
        const sequenceId = (request.body as TurboSmsSendRequest).sequence_id!;
        if (!idsBySequence.has(sequenceId)) idsBySequence.set(sequenceId, randomUUID());
        json(response, 200, accepted('380931234585', idsBySequence.get(sequenceId)!));
      };
      const outgoing = message();

      await expect(viber.send(outgoing)).rejects.toBeInstanceOf(ProviderUnavailableError);
      const first = await viber.send(outgoing);
      const second = await viber.send(outgoing);

      expect(first).toEqual(second);
      expect(idsBySequence.size).toBe(1);
      const sequenceIds = provider.requests.map(
        (request) => (request.body as TurboSmsSendRequest).sequence_id,
      );
      expect(new Set(sequenceIds)).toEqual(new Set([outgoing.deliveryId]));
    });

    it('never puts the phone or the text into an error', async () => {
      provider.handler = (request, response) =>
        json(response, 200, { response_code: 305, response_status: 'INVALID_PHONE 380931234585' });
      const outcome = await viber.send(message()).catch((caught: Error) => caught);
      expect(JSON.stringify(outcome)).not.toContain('380931234585');
      provider.handler = (request, response) =>
        json(response, 200, { response_code: 777, response_status: 'text Код: 1234' });
      const error = (await viber.send(message()).catch((caught: Error) => caught)) as ProviderPermanentError;
      expect(error.code).toBe('CODE_777');
      expect(error.message).not.toMatch(/380931234585|1234/);
    });
  });

  describe('fetchReports', () => {
    const entry = (id: string, status: string, type = 'viber') => ({
      message_id: id,
      recipient: '380931234585',
      status,
      type,
      sequence_id: 's',
    });

    it.each([
      ['Queued', 'PENDING'],
      ['Accepted', 'PENDING'],
      ['Delivered', 'DELIVERED'],
      ['Read', 'DELIVERED'],
      ['Undelivered', 'UNDELIVERED'],
      ['Rejected', 'UNDELIVERED'],
      ['Expired', 'EXPIRED'],
      ['SomethingNew', 'PENDING'],
    ])('maps status %s to %s', async (status, outcome) => {
      provider.handler = (request, response) =>
        json(response, 200, {
          response_code: 0,
          response_status: 'OK',
          response_result: [entry('m-1', status)],
        });
      await expect(viber.fetchReports(['m-1'])).resolves.toEqual([{ providerMessageId: 'm-1', outcome }]);
      expect(provider.requests[0]).toMatchObject({
        path: '/message/status.json',
        auth: `Bearer ${TOKEN}`,
        body: { messages: ['m-1'] },
      });
    });

    it('returns only ids it asked for and knows, of its own channel', async () => {
      provider.handler = (request, response) =>
        json(response, 200, {
          response_code: 0,
          response_status: 'OK',
          response_result: [
            entry('m-1', 'Delivered'),
            entry('m-2', 'Delivered', 'sms'),
            entry('other', 'Delivered'),
          ],
        });
      await expect(viber.fetchReports(['m-1', 'm-2', 'm-3'])).resolves.toEqual([
        { providerMessageId: 'm-1', outcome: 'DELIVERED' },
      ]);
    });

    it('does not call the provider for no ids, and batches many', async () => {
      provider.handler = (request, response) =>
        json(response, 200, { response_code: 0, response_status: 'OK', response_result: [] });
      await expect(sms.fetchReports([])).resolves.toEqual([]);
      expect(provider.requests).toHaveLength(0);
      await sms.fetchReports(Array.from({ length: 250 }, (_, index) => `m-${index}`));
      expect(
        provider.requests.map((request) => (request.body as { messages: string[] }).messages.length),
      ).toEqual([100, 100, 50]);
    });

    it('maps invalid token and outages like send', async () => {
      provider.handler = (request, response) =>
        json(response, 200, { response_code: 301, response_status: 'INVALID_TOKEN' });
      await expect(sms.fetchReports(['m-1'])).rejects.toMatchObject({
        name: 'ProviderPermanentError',
        code: 'INVALID_TOKEN',
      });
      provider.handler = (request, response) => json(response, 503, {});
      await expect(sms.fetchReports(['m-1'])).rejects.toMatchObject({
        name: 'ProviderUnavailableError',
        code: 'HTTP_503',
      });
    });
  });
});
