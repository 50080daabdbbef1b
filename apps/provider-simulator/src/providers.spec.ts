import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { Test } from '@nestjs/testing';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import {
  parseSmscCallback,
  SmscClient,
  smscMessageId,
  SmscSmsGateway,
  TurboSmsClient,
  TurboSmsSmsGateway,
} from '@app/providers';
import { configureSimulatorApp } from './configure-app';
import { loadSimulatorConfig } from './simulator.config';
import { SimulatorModule } from './simulator.module';

const TOKEN = 'test-provider-token';
const SMSC_LOGIN = 'esoz';
const SMSC_PASSWORD = 'test-smsc-password';
const SMSC_SECRET = 'test-smsc-secret';
const REPORT_DELAY_MS = 40;
const PHONE = '+380931234586';
const TEXT = 'Код підтвердження: 987654';

/** Plays the sms-sender's SMSC callback route. */
class CallbackReceiver {
  readonly received: { raw: Buffer; signature?: string; contentType?: string }[] = [];
  private server!: Server;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        this.received.push({
          raw: Buffer.concat(chunks),
          signature: req.headers['x-signature'] as string | undefined,
          contentType: req.headers['content-type'],
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async waitFor(count: number): Promise<void> {
    const until = Date.now() + 3000;
    while (this.received.length < count) {
      if (Date.now() > until) throw new Error(`expected ${count} callbacks, got ${this.received.length}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describe('provider simulator: several SMS providers (contract §11.4) and the SMSC API', () => {
  const receiver = new CallbackReceiver();
  let app: INestApplication;
  let baseUrl: string;
  const http = () => request(app.getHttpServer());
  const account = { login: SMSC_LOGIN, psw: SMSC_PASSWORD, fmt: '3', charset: 'utf-8' };
  const smscSend = (form: Record<string, string>) =>
    http()
      .post('/sys/send.php')
      .type('form')
      .send({ ...account, phones: PHONE, mes: TEXT, sender: 'eHealth', ...form });
  const smscStatus = (form: Record<string, string>) =>
    http()
      .post('/sys/status.php')
      .type('form')
      .send({ ...account, phone: PHONE, ...form });
  const turboSms = () =>
    http()
      .post('/message/send.json')
      .set({ authorization: `Bearer ${TOKEN}` })
      .send({
        recipients: [PHONE.slice(1)],
        sms: { sender: 'eHealth', text: TEXT },
        sequence_id: randomUUID(),
      });
  const outage = (name: string, value: string | null) =>
    http().put(`/__control/providers/${name}`).send({ outage: value });

  beforeAll(async () => {
    const callbacks = await receiver.start();
    const config = loadSimulatorConfig({
      PROVIDER_TOKEN: TOKEN,
      WEBHOOK_SECRET: 'test-webhook-secret',
      SMS_CALLBACK_URL: `${callbacks}/turbosms`,
      VIBER_CALLBACK_URL: `${callbacks}/viber`,
      SMSC_LOGIN,
      SMSC_PASSWORD,
      SMSC_CALLBACK_URL: `${callbacks}/smsc`,
      SMSC_WEBHOOK_SECRET: SMSC_SECRET,
      REPORT_DELAY_MS: String(REPORT_DELAY_MS),
    });
    const moduleRef = await Test.createTestingModule({
      imports: [SimulatorModule.forRoot(config)],
    }).compile();
    app = moduleRef.createNestApplication({ bodyParser: false, logger: false });
    configureSimulatorApp(app);
    await app.listen(0, '127.0.0.1');
    baseUrl = await app.getUrl();
  });

  afterAll(async () => {
    await app.close();
    await receiver.stop();
  });

  beforeEach(async () => {
    await http().delete('/__control').expect(204);
    receiver.received.length = 0;
  });

  describe('control API', () => {
    it('lists the provider names and shows and sets one provider outage', async () => {
      await http().get('/__control/providers').expect(200, ['turbosms', 'smsc']);
      await http()
        .get('/__control/providers/smsc')
        .expect(200, { name: 'smsc', channels: ['SMS'], outage: null });
      await outage('smsc', 'ERROR_5XX').expect(200, { name: 'smsc', channels: ['SMS'], outage: 'ERROR_5XX' });
      await outage('smsc', null).expect(200, { name: 'smsc', channels: ['SMS'], outage: null });
    });

    it('validates it', async () => {
      await outage('smsc', 'SLOW').expect(400);
      await http().put('/__control/providers/smsc').send({}).expect(400);
      await outage('alphasms', 'TIMEOUT').expect(404);
      await http().get('/__control/providers/nope').expect(404);
    });

    it('lists messages of both providers with their provider', async () => {
      await turboSms().expect(200);
      await smscSend({ id: '77' }).expect(200, { id: 77, cnt: 1 });
      const listed = (await http().get('/__control/messages').query({ phone: PHONE }).expect(200)).body;
      expect(listed.map((m: { provider: string; channel: string }) => [m.provider, m.channel])).toEqual([
        ['turbosms', 'SMS'],
        ['smsc', 'SMS'],
      ]);
      expect(listed[1]).toMatchObject({ id: '77', phone: PHONE, text: TEXT, sequenceId: null });
    });
  });

  describe('outages', () => {
    it('ERROR_5XX answers 503 at that provider only, and records nothing', async () => {
      await outage('turbosms', 'ERROR_5XX').expect(200);
      await turboSms().expect(503);
      await http()
        .post('/user/balance.json')
        .set({ authorization: `Bearer ${TOKEN}` })
        .send({})
        .expect(503);
      await smscSend({ id: '1' }).expect(200);
      const listed = (await http().get('/__control/messages').expect(200)).body;
      expect(listed.map((m: { provider: string }) => m.provider)).toEqual(['smsc']);
    });

    it('TIMEOUT holds the call until the caller gives up, and records nothing', async () => {
      await outage('smsc', 'TIMEOUT').expect(200);
      const client = new SmscClient({ baseUrl, login: SMSC_LOGIN, password: SMSC_PASSWORD, timeoutMs: 300 });
      const started = Date.now();
      await expect(
        client.send({ phones: PHONE, mes: TEXT, id: 5, sender: 'eHealth', valid: '00:05' }),
      ).rejects.toMatchObject({ code: 'TIMEOUT', mayHaveSent: true });
      expect(Date.now() - started).toBeGreaterThanOrEqual(280);
      expect((await http().get('/__control/messages').expect(200)).body).toEqual([]);
      // Bringing it back answers held calls at once (504) and serves new ones.
      const held = smscSend({ id: '6' });
      const answered = held.then((response) => response.status);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await outage('smsc', null).expect(200);
      await expect(answered).resolves.toBe(504);
      await smscSend({ id: '6' }).expect(200, { id: 6, cnt: 1 });
    });

    it('a recipient behaviour applies to every SMS provider', async () => {
      await http()
        .put(`/__control/recipients/${encodeURIComponent(PHONE)}`)
        .send({ sms: 'ERROR_5XX' })
        .expect(200);
      await turboSms().expect(503);
      await smscSend({ id: '2' }).expect(503);
      await http()
        .put(`/__control/recipients/${encodeURIComponent(PHONE)}`)
        .send({ sms: 'REJECTED' })
        .expect(200);
      await smscSend({ id: '2' }).expect(200, { error: 'cannot deliver', error_code: 8, id: 2 });
    });
  });

  describe('SMSC API', () => {
    it('refuses a wrong account with error 2 (HTTP 200), and formats other than JSON with error 1', async () => {
      await smscSend({ psw: 'wrong' }).expect(200, { error: 'authorise error', error_code: 2 });
      await smscSend({ fmt: '0' }).expect(200, { error: 'parameters error', error_code: 1 });
      await http().post('/sys/balance.php').type('form').send(account).expect(200, { balance: '1000.00' });
      await http().get('/sys/balance.php').query(account).expect(200, { balance: '1000.00' });
    });

    it('answers a bad number with error 7, and an identical request within a minute with error 9', async () => {
      await smscSend({ phones: '12345', id: '3' }).expect(200, {
        error: 'invalid number',
        error_code: 7,
        id: 3,
      });
      await smscSend({ id: '4' }).expect(200, { id: 4, cnt: 1 });
      await smscSend({ id: '4' }).expect(200, { error: 'duplicate request, wait a minute', error_code: 9 });
    });

    it('keeps status by phone and id, pushes a signed form callback, and limits status requests', async () => {
      await smscSend({ id: '10' }).expect(200);
      expect((await smscStatus({ id: '10' }).expect(200)).body).toMatchObject({ status: 0, err: 0 });
      await smscStatus({ id: '11' }).expect(200, { status: -3, last_date: '', last_timestamp: 0, err: 0 });
      await receiver.waitFor(1);
      const [callback] = receiver.received;
      expect(callback.contentType).toBe('application/x-www-form-urlencoded');
      expect(parseSmscCallback(callback.raw, callback.signature, SMSC_SECRET)).toEqual({
        providerMessageId: '10',
        outcome: 'DELIVERED',
        recipient: PHONE,
      });
      expect((await smscStatus({ id: '10' }).expect(200)).body).toMatchObject({ status: 1 });
      await smscStatus({ id: '10' }).expect(200);
      await smscStatus({ id: '10' }).expect(200);
      await smscStatus({ id: '10' }).expect(200); // the fifth in a minute
      await smscStatus({ id: '10' }).expect(200, {
        error: 'duplicate request, wait a minute',
        error_code: 9,
      });
    });

    it('drives the SMSC gateway of @app/providers end to end', async () => {
      const phones = new Map<string, string>();
      const gateway = new SmscSmsGateway(
        new SmscClient({ baseUrl, login: SMSC_LOGIN, password: SMSC_PASSWORD, timeoutMs: 2000 }),
        {
          phonesOf: async (ids) =>
            new Map(ids.flatMap((id) => (phones.has(id) ? [[id, phones.get(id)!]] : []))),
          deliveriesAwaiting: async () => [...phones.keys()],
        },
        { statusIntervalMs: 0 },
      );
      const deliveryId = randomUUID();
      phones.set(deliveryId, PHONE);
      const message = { deliveryId, address: PHONE, text: TEXT, ttlSeconds: 300 };
      await expect(gateway.send(message)).resolves.toEqual({
        kind: 'ACCEPTED',
        providerMessageId: deliveryId,
      });
      await expect(gateway.findSent(message)).resolves.toEqual({
        kind: 'ACCEPTED',
        providerMessageId: deliveryId,
      });
      // A resend within the minute is refused (9) and answered by a lookup: still one message.
      await expect(gateway.send(message)).resolves.toEqual({
        kind: 'ACCEPTED',
        providerMessageId: deliveryId,
      });
      expect((await http().get('/__control/messages').expect(200)).body).toHaveLength(1);
      await receiver.waitFor(1);
      await expect(gateway.fetchReports([deliveryId])).resolves.toEqual([
        { providerMessageId: deliveryId, outcome: 'DELIVERED', deliveryId },
      ]);
      const report = parseSmscCallback(receiver.received[0].raw, receiver.received[0].signature, SMSC_SECRET);
      expect(report.providerMessageId).toBe(String(smscMessageId(deliveryId)));
      await expect(gateway.resolveCallback(report)).resolves.toEqual({
        providerMessageId: deliveryId,
        outcome: 'DELIVERED',
        deliveryId,
      });
      await expect(gateway.probe()).resolves.toBeUndefined();
    });

    it('answers the TurboSMS balance probe', async () => {
      const gateway = new TurboSmsSmsGateway(new TurboSmsClient({ baseUrl, token: TOKEN }));
      await expect(gateway.probe()).resolves.toBeUndefined();
      await outage('turbosms', 'ERROR_5XX').expect(200);
      await expect(gateway.probe()).rejects.toMatchObject({ code: 'HTTP_503' });
    });
  });
});
