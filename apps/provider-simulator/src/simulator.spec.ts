import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { Test } from '@nestjs/testing';
import type { INestApplication, LoggerService } from '@nestjs/common';
import request from 'supertest';
import {
  parseTurboSmsWebhook,
  TurboSmsClient,
  TurboSmsSmsGateway,
  TurboSmsViberGateway,
  type TurboSmsWebhookReport,
} from '@app/providers';
import { configureSimulatorApp } from './configure-app';
import { loadSimulatorConfig } from './simulator.config';
import { SimulatorModule } from './simulator.module';

const TOKEN = 'test-provider-token';
const SECRET = 'test-webhook-secret';
const REPORT_DELAY_MS = 40;
const PHONE = '+380931234585';
const TURBO_PHONE = '380931234585';
const TEXT = 'Код підтвердження: 987654';

interface ReceivedWebhook {
  path: string;
  raw: Buffer;
  signature?: string;
}

/** Plays the viber-sender / sms-sender webhook endpoint; can be told to fail the next N calls. */
class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  failNext = 0;
  private server!: Server;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        if (this.failNext > 0) {
          this.failNext -= 1;
          res.writeHead(500).end();
          return;
        }
        this.received.push({
          path: req.url ?? '',
          raw: Buffer.concat(chunks),
          signature: req.headers['x-signature'] as string | undefined,
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Verified and parsed with the same function the senders use. */
  reports(): (TurboSmsWebhookReport & { path: string })[] {
    return this.received.map((hook) => ({
      path: hook.path,
      ...parseTurboSmsWebhook(hook.raw, hook.signature, SECRET),
    }));
  }

  async waitFor(count: number, timeoutMs = 3000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.received.length < count) {
      if (Date.now() > until) throw new Error(`expected ${count} webhooks, got ${this.received.length}`);
      await sleep(10);
    }
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  log = (message: unknown) => this.lines.push(String(message));
  error = (message: unknown) => this.lines.push(String(message));
  warn = (message: unknown) => this.lines.push(String(message));
  debug = (message: unknown) => this.lines.push(String(message));
  verbose = (message: unknown) => this.lines.push(String(message));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('provider simulator', () => {
  const receiver = new WebhookReceiver();
  const logs = new CapturingLogger();
  let app: INestApplication;
  let baseUrl: string;

  const http = () => request(app.getHttpServer());
  const auth = { authorization: `Bearer ${TOKEN}` };
  const sendViber = (body: Record<string, unknown> = {}) =>
    http()
      .post('/message/send.json')
      .set(auth)
      .send({
        recipients: [TURBO_PHONE],
        viber: { sender: 'eHealth', text: TEXT, ttl: 300 },
        sequence_id: randomUUID(),
        ...body,
      });
  const sendSms = (body: Record<string, unknown> = {}) =>
    http()
      .post('/message/send.json')
      .set(auth)
      .send({
        recipients: [TURBO_PHONE],
        sms: { sender: 'eHealth', text: TEXT },
        sequence_id: randomUUID(),
        ...body,
      });
  const statusOf = (...ids: string[]) =>
    http().post('/message/status.json').set(auth).send({ messages: ids });
  const behave = (behaviour: Record<string, string>, phone = PHONE) =>
    http()
      .put(`/__control/recipients/${encodeURIComponent(phone)}`)
      .send(behaviour)
      .expect(200);

  beforeAll(async () => {
    const callbacks = await receiver.start();
    const config = loadSimulatorConfig({
      PROVIDER_TOKEN: TOKEN,
      WEBHOOK_SECRET: SECRET,
      VIBER_CALLBACK_URL: `${callbacks}/viber`,
      SMS_CALLBACK_URL: `${callbacks}/sms`,
      REPORT_DELAY_MS: String(REPORT_DELAY_MS),
    });
    const moduleRef = await Test.createTestingModule({
      imports: [SimulatorModule.forRoot(config)],
    }).compile();
    app = moduleRef.createNestApplication({ bodyParser: false, logger: logs });
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
    receiver.failNext = 0;
    logs.lines.length = 0;
  });

  it('answers health and 404 for unknown routes', async () => {
    await http().get('/health').expect(200, { status: 'ok' });
    await http().get('/nope').expect(404);
    await http().post('/message/other.json').set(auth).send({}).expect(404);
  });

  describe('authentication', () => {
    it.each([
      ['no token', {}],
      ['a wrong token', { authorization: 'Bearer wrong' }],
      ['a non-bearer scheme', { authorization: `Basic ${TOKEN}` }],
    ])('answers 200 INVALID_TOKEN for %s, before looking at the body', async (_case, headers) => {
      for (const path of ['/message/send.json', '/message/status.json']) {
        const response = await http().post(path).set(headers).send({ junk: true }).expect(200);
        expect(response.body).toEqual({ response_code: 301, response_status: 'INVALID_TOKEN' });
      }
      expect(
        await http()
          .get('/__control/messages')
          .then((r) => r.body),
      ).toEqual([]);
    });
  });

  describe('DELIVERED (default)', () => {
    it('accepts, shows Accepted, pushes a signed Delivered report to the Viber webhook, then status says Delivered', async () => {
      const sequenceId = randomUUID();
      const sent = await sendViber({ sequence_id: sequenceId }).expect(200);
      expect(sent.body).toEqual({
        response_code: 800,
        response_status: 'SUCCESS_MESSAGE_ACCEPTED',
        response_result: [
          { phone: TURBO_PHONE, response_code: 0, message_id: expect.any(String), response_status: 'OK' },
        ],
      });
      const messageId = sent.body.response_result[0].message_id as string;

      const before = await statusOf(messageId).expect(200);
      expect(before.body).toEqual({
        response_code: 0,
        response_status: 'OK',
        response_result: [
          {
            message_id: messageId,
            recipient: TURBO_PHONE,
            status: 'Accepted',
            type: 'viber',
            sequence_id: sequenceId,
            sent: expect.any(String),
            updated: expect.any(String),
          },
        ],
      });

      await receiver.waitFor(1);
      expect(receiver.reports()).toEqual([
        {
          path: '/viber',
          providerMessageId: messageId,
          outcome: 'DELIVERED',
          channel: 'VIBER',
          deliveryId: sequenceId,
        },
      ]);
      expect(JSON.parse(receiver.received[0].raw.toString())).toEqual({
        message_id: messageId,
        sequence_id: sequenceId,
        status: 'Delivered',
        type: 'viber',
        sent_at: expect.any(String),
        updated_at: expect.any(String),
      });
      expect((await statusOf(messageId)).body.response_result[0].status).toBe('Delivered');

      const listed = await http().get('/__control/messages').query({ phone: PHONE }).expect(200);
      expect(listed.body).toEqual([
        {
          id: messageId,
          phone: PHONE,
          channel: 'VIBER',
          text: TEXT,
          time: expect.any(String),
          sequenceId,
          status: 'Delivered',
          updatedAt: expect.any(String),
          provider: 'turbosms',
        },
      ]);
    });

    it('sends SMS reports to the SMS webhook', async () => {
      const sent = await sendSms().expect(200);
      await receiver.waitFor(1);
      expect(receiver.reports()).toEqual([
        expect.objectContaining({
          path: '/sms',
          providerMessageId: sent.body.response_result[0].message_id,
          outcome: 'DELIVERED',
          channel: 'SMS',
        }),
      ]);
    });

    it('filters the message list by phone in either spelling, and lists everything without one', async () => {
      await sendSms().expect(200);
      await sendSms({ recipients: ['380501112233'] }).expect(200);
      expect((await http().get('/__control/messages').query({ phone: TURBO_PHONE })).body).toHaveLength(1);
      // A raw "+" in a query string arrives as a space; it still means this phone.
      expect((await http().get(`/__control/messages?phone=+${TURBO_PHONE}`)).body).toHaveLength(1);
      expect((await http().get('/__control/messages')).body).toHaveLength(2);
    });
  });

  describe('behaviours', () => {
    it.each([
      ['NOT_VIBER_USER', 9, 'NOT_VIBER_USER'],
      ['USER_BLOCKED', 8, 'USER_BLOCKED'],
      ['REJECTED', 9, 'NOT_VIBER_USER'],
      ['NO_SUITABLE_DEVICE', 10, 'NO_SUITABLE_DEVICE'],
    ])('viber %s is a synchronous reject %i %s, and nothing is recorded', async (behaviour, code, status) => {
      await behave({ viber: behaviour });
      const sent = await sendViber().expect(200);
      expect(sent.body.response_result).toEqual([
        { phone: TURBO_PHONE, response_code: code, message_id: null, response_status: status },
      ]);
      expect((await http().get('/__control/messages')).body).toEqual([]);
    });

    it.each(['NOT_VIBER_USER', 'USER_BLOCKED', 'NO_SUITABLE_DEVICE'])(
      'viber-only %s acts as DELIVERED on SMS',
      async (behaviour) => {
        await behave({ viber: behaviour, sms: behaviour });
        const sent = await sendSms().expect(200);
        expect(sent.body.response_result[0]).toMatchObject({ response_code: 0, response_status: 'OK' });
        await receiver.waitFor(1);
        expect(receiver.reports()[0].outcome).toBe('DELIVERED');
      },
    );

    it('sms REJECTED is 404 NOT_ALLOWED_NUMBER_STOPLIST', async () => {
      await behave({ sms: 'REJECTED' });
      const sent = await sendSms().expect(200);
      expect(sent.body.response_result).toEqual([
        {
          phone: TURBO_PHONE,
          response_code: 404,
          message_id: null,
          response_status: 'NOT_ALLOWED_NUMBER_STOPLIST',
        },
      ]);
    });

    it.each([
      ['UNDELIVERED', 'Undelivered', 'UNDELIVERED'],
      ['EXPIRED', 'Expired', 'EXPIRED'],
    ])('%s is accepted, then a negative report follows', async (behaviour, status, outcome) => {
      await behave({ viber: behaviour });
      const sent = await sendViber().expect(200);
      const messageId = sent.body.response_result[0].message_id as string;
      expect(messageId).toEqual(expect.any(String));
      await receiver.waitFor(1);
      expect(receiver.reports()[0]).toMatchObject({ providerMessageId: messageId, outcome });
      expect((await statusOf(messageId)).body.response_result[0].status).toBe(status);
    });

    it('NO_REPORT is accepted and stays Accepted, with no webhook', async () => {
      await behave({ sms: 'NO_REPORT' });
      const sent = await sendSms().expect(200);
      await sleep(REPORT_DELAY_MS * 4);
      expect(receiver.received).toHaveLength(0);
      expect((await statusOf(sent.body.response_result[0].message_id)).body.response_result[0].status).toBe(
        'Accepted',
      );
    });

    it('ERROR_5XX answers HTTP 503 and records nothing', async () => {
      await behave({ viber: 'ERROR_5XX' });
      const sent = await sendViber().expect(503);
      expect(sent.body).toEqual({ response_code: 504, response_status: 'FAILED_VIBER_SEND' });
      expect((await http().get('/__control/messages')).body).toEqual([]);
      // The other channel is unaffected.
      await sendSms().expect(200);
    });

    it('keeps the keys a PUT leaves out, and accepts the phone without "+"', async () => {
      await behave({ viber: 'NOT_VIBER_USER' }, TURBO_PHONE);
      const second = await behave({ sms: 'NO_REPORT' });
      expect(second.body).toEqual({ phone: PHONE, viber: 'NOT_VIBER_USER', sms: 'NO_REPORT' });
    });

    it('answers 305 INVALID_PHONE for a recipient that is not a Ukrainian mobile number', async () => {
      const sent = await sendSms({ recipients: ['12345'] }).expect(200);
      expect(sent.body.response_result).toEqual([
        { phone: '12345', response_code: 305, message_id: null, response_status: 'INVALID_PHONE' },
      ]);
    });
  });

  describe('idempotency', () => {
    it('returns the same message id for the same sequence_id, records once and reports once', async () => {
      const sequenceId = randomUUID();
      const first = await sendViber({ sequence_id: sequenceId }).expect(200);
      const second = await sendViber({ sequence_id: sequenceId }).expect(200);
      expect(second.body).toEqual(first.body);
      await receiver.waitFor(1);
      await sleep(REPORT_DELAY_MS * 3);
      expect(receiver.received).toHaveLength(1);
      expect((await http().get('/__control/messages')).body).toHaveLength(1);
    });

    it('keeps channels apart: the same sequence_id on SMS is a different message', async () => {
      const sequenceId = randomUUID();
      const viber = await sendViber({ sequence_id: sequenceId }).expect(200);
      const sms = await sendSms({ sequence_id: sequenceId }).expect(200);
      expect(sms.body.response_result[0].message_id).not.toBe(viber.body.response_result[0].message_id);
    });
  });

  describe('outage and latency', () => {
    it('fails one channel provider-wide until cleared', async () => {
      await http()
        .put('/__control/outage')
        .send({ sms: true })
        .expect(200, { viber: false, sms: true, latencyMs: 0 });
      await sendSms().expect(503, { response_code: 503, response_status: 'FAILED_SMS_SEND' });
      await sendViber().expect(200);
      await http().put('/__control/outage').send({ sms: false }).expect(200);
      await sendSms().expect(200);
    });

    it('slows every aggregator answer', async () => {
      await http().put('/__control/outage').send({ latencyMs: 150 }).expect(200);
      const started = Date.now();
      await sendSms().expect(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    });

    it('fails status polls only when both channels are down', async () => {
      await http().put('/__control/outage').send({ viber: true, sms: true }).expect(200);
      await statusOf('x').expect(503);
    });
  });

  describe('webhook delivery', () => {
    it('retries while the sender is down; status.json is right meanwhile', async () => {
      receiver.failNext = 2;
      const sent = await sendViber().expect(200);
      const messageId = sent.body.response_result[0].message_id as string;
      await sleep(REPORT_DELAY_MS + 50);
      expect((await statusOf(messageId)).body.response_result[0].status).toBe('Delivered');
      await receiver.waitFor(1, 5000);
      expect(receiver.reports()[0]).toMatchObject({ providerMessageId: messageId, outcome: 'DELIVERED' });
    });
  });

  describe('reset', () => {
    it('forgets messages, behaviours, outage and pending reports', async () => {
      await behave({ viber: 'NOT_VIBER_USER' });
      await sendSms().expect(200); // its report is still pending
      await http().put('/__control/outage').send({ sms: true, latencyMs: 5 }).expect(200);

      await http().delete('/__control').expect(204);

      expect((await http().get('/__control/messages')).body).toEqual([]);
      await sleep(REPORT_DELAY_MS * 3);
      expect(receiver.received).toHaveLength(0);
      const sent = await sendViber().expect(200);
      expect(sent.body.response_result[0].response_code).toBe(0);
      await sendSms().expect(200);
    });
  });

  describe('input validation', () => {
    const viber = { sender: 'eHealth', text: 'hi' };
    it.each([
      ['no recipients', { viber }, /recipients/],
      ['empty recipients', { recipients: [], viber }, /recipients/],
      ['neither channel', { recipients: [TURBO_PHONE] }, /one of viber or sms is required/],
      ['both channels', { recipients: [TURBO_PHONE], viber, sms: viber }, /either viber or sms, not both/],
      [
        'an unknown field',
        { recipients: [TURBO_PHONE], viber, start_time: 'now' },
        /start_time should not exist/,
      ],
      [
        'a long Viber text',
        { recipients: [TURBO_PHONE], viber: { sender: 'eHealth', text: 'x'.repeat(1001) } },
        /text must be/,
      ],
      [
        'a bad TTL',
        { recipients: [TURBO_PHONE], viber: { ...viber, ttl: 5 } },
        /ttl must not be less than 30/,
      ],
      ['a bad sequence id', { recipients: [TURBO_PHONE], viber, sequence_id: 'a b' }, /sequence_id must be/],
    ])('send.json answers 400 for %s', async (_case, body, message) => {
      const response = await http().post('/message/send.json').set(auth).send(body).expect(400);
      expect(JSON.stringify(response.body.message)).toMatch(message);
    });

    it('status.json answers 400 without ids', async () => {
      await http().post('/message/status.json').set(auth).send({}).expect(400);
    });

    it('answers 400 for malformed JSON and 413 above 64 kB', async () => {
      await http()
        .post('/message/send.json')
        .set(auth)
        .set('content-type', 'application/json')
        .send('{"recipients":')
        .expect(400);
      await http()
        .post('/message/send.json')
        .set(auth)
        .send({ recipients: [TURBO_PHONE], viber: { sender: 'x', text: 'x'.repeat(70 * 1024) } })
        .expect(413);
    });

    it('validates the control API', async () => {
      await http().put('/__control/recipients/12345').send({ viber: 'DELIVERED' }).expect(400);
      const wrong = await http().put(`/__control/recipients/${PHONE}`).send({ viber: 'LOST' }).expect(400);
      expect(JSON.stringify(wrong.body.message)).toContain('viber must be one of DELIVERED');
      await http().put('/__control/outage').send({ latencyMs: -1 }).expect(400);
      await http().put('/__control/outage').send({ viber: 'yes' }).expect(400);
      await http().get('/__control/messages').query({ phone: 'abc' }).expect(400);
    });

    it('never echoes the rejected value', async () => {
      const response = await http()
        .post('/message/send.json')
        .set(auth)
        .send({ recipients: [TURBO_PHONE], viber: { sender: 'eHealth', text: TEXT, ttl: 1 } })
        .expect(400);
      expect(JSON.stringify(response.body)).not.toContain('987654');
    });
  });

  it('logs mask phones and never contain texts', async () => {
    await behave({ viber: 'NOT_VIBER_USER' });
    await sendViber().expect(200);
    await sendSms().expect(200);
    await receiver.waitFor(1);
    await http().put('/__control/outage').send({ sms: true }).expect(200);
    await sendSms().expect(503);

    const all = logs.lines.join('\n');
    expect(all).toContain('+38093*****85');
    expect(all).not.toContain(TURBO_PHONE);
    expect(all).not.toContain('987654');
  });

  describe('with the TurboSMS gateways of @app/providers', () => {
    const gateways = (token = TOKEN) => {
      const client = new TurboSmsClient({ baseUrl, token, timeoutMs: 2000 });
      return { viber: new TurboSmsViberGateway(client), sms: new TurboSmsSmsGateway(client) };
    };

    it('drives the cascade outcomes end to end', async () => {
      const { viber, sms } = gateways();
      await behave({ viber: 'NOT_VIBER_USER', sms: 'UNDELIVERED' });
      await expect(
        viber.send({ deliveryId: randomUUID(), address: PHONE, text: TEXT, ttlSeconds: 120 }),
      ).resolves.toEqual({
        kind: 'REJECTED',
        reason: 'NOT_VIBER_USER',
      });
      const deliveryId = randomUUID();
      const accepted = await sms.send({ deliveryId, address: PHONE, text: TEXT });
      const again = await sms.send({ deliveryId, address: PHONE, text: TEXT });
      expect(again).toEqual(accepted);
      if (accepted.kind !== 'ACCEPTED') throw new Error('expected ACCEPTED');

      await expect(sms.fetchReports([accepted.providerMessageId, 'unknown'])).resolves.toEqual([
        { providerMessageId: accepted.providerMessageId, outcome: 'PENDING' },
      ]);
      await receiver.waitFor(1);
      expect(receiver.reports()[0]).toMatchObject({
        providerMessageId: accepted.providerMessageId,
        outcome: 'UNDELIVERED',
        deliveryId,
      });
      await expect(sms.fetchReports([accepted.providerMessageId])).resolves.toEqual([
        { providerMessageId: accepted.providerMessageId, outcome: 'UNDELIVERED' },
      ]);
    });

    it('maps REJECTED on SMS, ERROR_5XX and a bad token to the port', async () => {
      const { viber, sms } = gateways();
      await behave({ viber: 'ERROR_5XX', sms: 'REJECTED' });
      const message = { deliveryId: randomUUID(), address: PHONE, text: TEXT };
      await expect(sms.send(message)).resolves.toEqual({ kind: 'REJECTED', reason: 'STOP_LIST' });
      await expect(viber.send(message)).rejects.toMatchObject({
        name: 'ProviderUnavailableError',
        code: 'HTTP_503',
      });
      await expect(gateways('wrong').sms.send(message)).rejects.toMatchObject({
        name: 'ProviderPermanentError',
        code: 'INVALID_TOKEN',
      });
    });
  });
});
