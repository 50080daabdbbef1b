import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { ProviderPermanentError, ProviderUnavailableError, type OutgoingMessage } from '../channel-gateway';
import { SmscClient } from './smsc.client';
import { smscMessageId, smscValidity, SmscSmsGateway, type SmscRecipientDirectory } from './smsc.gateway';
import { parseSmscCallback, signSmscCallback } from './smsc.webhook';

const LOGIN = 'esoz';
const PASSWORD = 'test-password-123';
const PHONE = '+380931234585';

type Request = { path: string; form: Record<string, string>; contentType?: string };
type Handler = (request: Request, response: ServerResponse) => void;

/** A stand-in for smsc.ua: each test scripts the handler; every request is recorded with its form. */
class LocalSmsc {
  readonly requests: Request[] = [];
  handler: Handler = (_request, response) => json(response, 500, {});
  private server!: Server;

  async start(): Promise<string> {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const request = {
          path: req.url ?? '',
          form: Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString())),
          contentType: req.headers['content-type'],
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

function message(overrides: Partial<OutgoingMessage> = {}): OutgoingMessage {
  return { deliveryId: randomUUID(), address: PHONE, text: 'Код: 1234', ttlSeconds: 300, ...overrides };
}

class Directory implements SmscRecipientDirectory {
  readonly phones = new Map<string, string>();
  async phonesOf(ids: string[]) {
    return new Map(ids.flatMap((id) => (this.phones.has(id) ? [[id, this.phones.get(id)!] as const] : [])));
  }
  async deliveriesAwaiting(phone: string) {
    return [...this.phones].filter(([, p]) => p === phone).map(([id]) => id);
  }
}

describe('SMSC.ua gateway', () => {
  const smsc = new LocalSmsc();
  let baseUrl: string;
  let directory: Directory;
  let gateway: SmscSmsGateway;

  beforeAll(async () => {
    baseUrl = await smsc.start();
  });
  afterAll(() => smsc.stop());
  beforeEach(() => {
    smsc.requests.length = 0;
    directory = new Directory();
    gateway = new SmscSmsGateway(
      new SmscClient({ baseUrl, login: LOGIN, password: PASSWORD, timeoutMs: 300 }),
      directory,
      { sender: 'eHealth', statusIntervalMs: 15_000 },
    );
  });

  describe('send', () => {
    it('posts a form with the credentials, the phone with its +, our id, the alpha name and the lifetime', async () => {
      const outgoing = message();
      smsc.handler = (request, response) => json(response, 200, { id: Number(request.form.id), cnt: 1 });
      await expect(gateway.send(outgoing)).resolves.toEqual({
        kind: 'ACCEPTED',
        providerMessageId: outgoing.deliveryId,
      });
      expect(smsc.requests).toEqual([
        {
          path: '/sys/send.php',
          contentType: 'application/x-www-form-urlencoded',
          form: {
            login: LOGIN,
            psw: PASSWORD,
            fmt: '3',
            charset: 'utf-8',
            phones: PHONE,
            mes: 'Код: 1234',
            id: String(smscMessageId(outgoing.deliveryId)),
            sender: 'eHealth',
            valid: '00:05',
          },
        },
      ]);
    });

    it('derives the same SMSC id from the same delivery, within 1..2^31-1', () => {
      const deliveryId = randomUUID();
      expect(smscMessageId(deliveryId)).toBe(smscMessageId(deliveryId));
      for (let i = 0; i < 1000; i++) {
        const id = smscMessageId(randomUUID());
        expect(id).toBeGreaterThanOrEqual(1);
        expect(id).toBeLessThanOrEqual(2_147_483_647);
      }
      expect([smscValidity(30), smscValidity(300), smscValidity(5400), smscValidity(7 * 86400)]).toEqual([
        '00:01',
        '00:05',
        '01:30',
        '24:00',
      ]);
    });

    it.each([
      [7, { kind: 'REJECTED', reason: 'INVALID_NUMBER' }],
      [8, { kind: 'REJECTED', reason: 'PROVIDER_REJECTED' }],
      [6, { kind: 'REJECTED', reason: 'PROVIDER_REJECTED' }],
    ])('maps send error %i to a reject', async (code, result) => {
      smsc.handler = (request, response) =>
        json(response, 200, { error: 'whatever', error_code: code, id: 1 });
      await expect(gateway.send(message())).resolves.toEqual(result);
    });

    it.each([
      [2, ProviderPermanentError, 'SMSC_INVALID_CREDENTIALS', undefined],
      [1, ProviderPermanentError, 'SMSC_PARAMETERS', undefined],
      [3, ProviderUnavailableError, 'SMSC_INSUFFICIENT_FUNDS', false],
      [4, ProviderUnavailableError, 'SMSC_IP_BLOCKED', false],
      [77, ProviderUnavailableError, 'SMSC_ERROR_77', true],
    ])('maps error %i to %p %s', async (code, type, name, mayHaveSent) => {
      smsc.handler = (request, response) =>
        json(response, 200, { error: 'текст 380931234585', error_code: code });
      const error = await gateway.send(message()).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(type);
      expect(error).toMatchObject({ code: name, ...(mayHaveSent === undefined ? {} : { mayHaveSent }) });
      expect(JSON.stringify(error) + (error as Error).message).not.toContain('380931234585');
    });

    it('answers error 9 (an identical request within a minute) by looking the message up', async () => {
      const outgoing = message();
      smsc.handler = (request, response) =>
        request.path === '/sys/send.php'
          ? json(response, 200, { error: 'duplicate request', error_code: 9 })
          : json(response, 200, { status: 0, last_date: '01.01.2026 10:00:00', last_timestamp: 1, err: 0 });
      await expect(gateway.send(outgoing)).resolves.toEqual({
        kind: 'ACCEPTED',
        providerMessageId: outgoing.deliveryId,
      });
      expect(smsc.requests.map((request) => request.path)).toEqual(['/sys/send.php', '/sys/status.php']);
      expect(smsc.requests[1].form).toMatchObject({
        phone: PHONE,
        id: String(smscMessageId(outgoing.deliveryId)),
      });

      // Not there (yet): may have been sent, so only this provider may try again.
      smsc.handler = (request, response) =>
        request.path === '/sys/send.php'
          ? json(response, 200, { error: 'duplicate request', error_code: 9 })
          : json(response, 200, { status: -3 });
      await expect(gateway.send(message())).rejects.toMatchObject({
        code: 'SMSC_TOO_FREQUENT',
        mayHaveSent: true,
      });
    });

    it.each([
      [503, false],
      [500, true],
    ])('turns HTTP %i into a retriable error (may have sent: %p)', async (status, mayHaveSent) => {
      smsc.handler = (request, response) => json(response, status, {});
      await expect(gateway.send(message())).rejects.toMatchObject({ code: `HTTP_${status}`, mayHaveSent });
    });

    it('times out a provider that does not answer, as "may have sent"', async () => {
      smsc.handler = () => undefined;
      await expect(gateway.send(message())).rejects.toMatchObject({ code: 'TIMEOUT', mayHaveSent: true });
    });

    it('rejects an address that is not a phone without calling SMSC', async () => {
      await expect(gateway.send(message({ address: 'nope' }))).resolves.toEqual({
        kind: 'REJECTED',
        reason: 'INVALID_NUMBER',
      });
      expect(smsc.requests).toHaveLength(0);
    });
  });

  describe('findSent, status and probe', () => {
    it('finds a message SMSC has, and says when it has not', async () => {
      const outgoing = message();
      smsc.handler = (request, response) => json(response, 200, { status: 1, last_timestamp: 1, err: 0 });
      await expect(gateway.findSent(outgoing)).resolves.toEqual({
        kind: 'ACCEPTED',
        providerMessageId: outgoing.deliveryId,
      });
      smsc.handler = (request, response) => json(response, 200, { status: -3 });
      await expect(gateway.findSent(message())).resolves.toBeUndefined();
    });

    it.each([
      [-1, 'PENDING'],
      [0, 'PENDING'],
      [1, 'DELIVERED'],
      [2, 'DELIVERED'],
      [3, 'EXPIRED'],
      [20, 'UNDELIVERED'],
      [22, 'UNDELIVERED'],
      [25, 'UNDELIVERED'],
    ])('polls status %i as %s, asking with the phone from the directory', async (status, outcome) => {
      const deliveryId = randomUUID();
      directory.phones.set(deliveryId, PHONE);
      smsc.handler = (request, response) => json(response, 200, { status, last_timestamp: 1, err: 0 });
      await expect(gateway.fetchReports([deliveryId])).resolves.toEqual([
        { providerMessageId: deliveryId, outcome, deliveryId },
      ]);
      expect(smsc.requests[0]).toMatchObject({
        path: '/sys/status.php',
        form: { phone: PHONE, id: String(smscMessageId(deliveryId)), fmt: '3' },
      });
    });

    it('asks about one message at most once per interval (SMSC refuses more than five a minute)', async () => {
      const deliveryId = randomUUID();
      directory.phones.set(deliveryId, PHONE);
      smsc.handler = (request, response) => json(response, 200, { status: 0 });
      await gateway.fetchReports([deliveryId]);
      await gateway.fetchReports([deliveryId]);
      expect(smsc.requests).toHaveLength(1);
    });

    it('skips messages it has no phone for, and unknown ones', async () => {
      const known = randomUUID();
      directory.phones.set(known, PHONE);
      smsc.handler = (request, response) => json(response, 200, { status: -3 });
      await expect(gateway.fetchReports([known, randomUUID()])).resolves.toEqual([]);
      expect(smsc.requests).toHaveLength(1);
    });

    it('probes the balance', async () => {
      smsc.handler = (request, response) => json(response, 200, { balance: '100.00' });
      await expect(gateway.probe()).resolves.toBeUndefined();
      expect(smsc.requests[0].path).toBe('/sys/balance.php');
      smsc.handler = (request, response) => json(response, 503, {});
      await expect(gateway.probe()).rejects.toMatchObject({ code: 'HTTP_503' });
    });
  });

  describe('status callback', () => {
    const SECRET = 'local-webhook-secret';
    const body = (fields: Record<string, string>) => Buffer.from(new URLSearchParams(fields).toString());

    it('verifies the signature, parses the form, and finds our delivery by the id and the phone', async () => {
      const outgoing = message();
      smsc.handler = (request, response) => json(response, 200, { id: Number(request.form.id), cnt: 1 });
      await gateway.send(outgoing);
      const raw = body({
        id: String(smscMessageId(outgoing.deliveryId)),
        phone: '380931234585',
        status: '1',
        ts: '1',
        err: '0',
      });
      const report = parseSmscCallback(raw, signSmscCallback(raw, SECRET), SECRET);
      expect(report).toEqual({
        providerMessageId: String(smscMessageId(outgoing.deliveryId)),
        outcome: 'DELIVERED',
        recipient: '380931234585',
      });
      await expect(gateway.resolveCallback(report)).resolves.toEqual({
        providerMessageId: outgoing.deliveryId,
        outcome: 'DELIVERED',
        deliveryId: outgoing.deliveryId,
      });
    });

    it('finds the delivery through the directory after a restart, and ignores one that is not ours', async () => {
      const deliveryId = randomUUID();
      directory.phones.set(deliveryId, PHONE);
      const id = String(smscMessageId(deliveryId));
      await expect(
        gateway.resolveCallback({ providerMessageId: id, outcome: 'UNDELIVERED', recipient: PHONE }),
      ).resolves.toEqual({ providerMessageId: deliveryId, outcome: 'UNDELIVERED', deliveryId });
      await expect(
        gateway.resolveCallback({ providerMessageId: '12345', outcome: 'DELIVERED', recipient: PHONE }),
      ).resolves.toBeUndefined();
    });

    it.each([
      ['no signature', (_raw: Buffer) => undefined, 'MISSING_SIGNATURE'],
      ['another secret', (raw: Buffer) => signSmscCallback(raw, 'another-secret'), 'INVALID_SIGNATURE'],
    ])('refuses a callback with %s', (_case, sign, code) => {
      const raw = body({ id: '1', phone: PHONE, status: '1' });
      expect(() => parseSmscCallback(raw, sign(raw), SECRET)).toThrow(expect.objectContaining({ code }));
    });

    it.each([
      [{ id: 'x', phone: PHONE, status: '1' }, 'INVALID_ID'],
      [{ id: '0', phone: PHONE, status: '1' }, 'INVALID_ID'],
      [{ id: '1', phone: 'abc', status: '1' }, 'INVALID_PHONE'],
      [{ id: '1', phone: PHONE, status: '77' }, 'INVALID_STATUS'],
    ])('refuses a signed but malformed callback %j', (fields, code) => {
      const raw = body(fields);
      expect(() => parseSmscCallback(raw, signSmscCallback(raw, SECRET), SECRET)).toThrow(
        expect.objectContaining({ code }),
      );
    });
  });
});
