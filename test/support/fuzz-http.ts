import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { signWebhookBody } from '@app/providers';
import type { SeededRandom } from '@app/testing';

/**
 * Hostile HTTP requests for every endpoint of the apps. Every request is wrong by construction (bad or
 * missing token or signature, malformed body, unknown path, wrong method), so every answer must be a 4xx with
 * a JSON body - except the aggregator API of the simulator, which, like TurboSMS, answers a bad token with
 * HTTP 200 and `response_code` 301 (`expect: 'PROVIDER_ERROR'`).
 */
export interface FuzzRequest {
  target: string;
  kind: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  expect: 'CLIENT_ERROR' | 'PROVIDER_ERROR';
}

export interface HttpTargets {
  resolver: string;
  viber: string;
  sms: string;
  diia: string;
  slip: string;
  simulator: string;
}

export interface HttpSecrets {
  supportToken: string;
  misToken: string;
  webhookSecret: string;
  providerToken: string;
}

export interface FuzzResponse {
  status: number;
  contentType: string;
  body: string;
  ms: number;
  error?: string;
}

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'application/vnd.api+json',
  'text/plain',
  'text/html',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=fuzz',
  'application/octet-stream',
  'application/xml',
  '',
];

const GARBAGE_SEGMENTS = [
  'x',
  '%ZZ',
  '%E0%A4%A',
  '..%2F..%2Fetc%2Fpasswd',
  '%00',
  "'%20OR%201=1--",
  '%F0%9F%92%A9',
  'a'.repeat(3000),
  '1e308',
  '-1',
  'null',
  '__proto__',
  'constructor',
  '%2e%2e',
  '6a2f1c4e-8a4b-4c1e-9f6a-2b3c4d5e6f7',
  '6A2F1C4E-8A4B-4C1E-9F6A-2B3C4D5E6F70x',
];

export class HttpFuzzer {
  constructor(
    private readonly prng: SeededRandom,
    private readonly targets: HttpTargets,
    private readonly secrets: HttpSecrets,
  ) {}

  /** `count` requests per target, in a fixed order for the seed. */
  requests(count: number): FuzzRequest[] {
    const all: FuzzRequest[] = [];
    for (let i = 0; i < count; i++) {
      all.push(
        this.resolver(),
        this.webhook('viber'),
        this.webhook('sms'),
        this.diia(),
        this.slip(),
        this.simulator(),
      );
    }
    return all;
  }

  // --- bodies -----------------------------------------------------------------------------------------

  private hostileBody(): { kind: string; body: Buffer; headers?: Record<string, string> } {
    const p = this.prng;
    const json = (value: unknown) => Buffer.from(JSON.stringify(value));
    const options: (() => { kind: string; body: Buffer; headers?: Record<string, string> })[] = [
      () => ({ kind: 'random-bytes', body: p.bytes(p.int(1, 4000)) }),
      () => ({
        kind: 'invalid-utf8',
        body: Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]),
      }),
      () => {
        const text = JSON.stringify({
          message_id: randomUUID(),
          status: 'Delivered',
          type: 'viber',
          diia: 'READ',
        });
        return { kind: 'truncated-json', body: Buffer.from(text.slice(0, p.int(1, text.length - 1))) };
      },
      () => ({ kind: 'deep-array', body: Buffer.from('['.repeat(20_000) + ']'.repeat(20_000)) }),
      () => ({ kind: 'deep-object', body: Buffer.from('{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000)) }),
      () => ({ kind: 'over-limit', body: json({ junk: 'x'.repeat(p.int(66_000, 200_000)) }) }),
      () => ({ kind: 'far-over-limit', body: Buffer.alloc(p.int(1, 3) * 1024 * 1024, 'a') }),
      () => ({
        kind: 'proto-keys',
        body: Buffer.from('{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}'),
      }),
      () => ({
        kind: 'wrong-type',
        body: Buffer.from(
          p.pick(['[]', '"x"', '1', 'null', 'true', '[{}]', '{"viber":5,"sms":[],"diia":{}}']),
        ),
      }),
      () => ({ kind: 'empty', body: Buffer.alloc(0) }),
      () => ({
        kind: 'gzip-bomb',
        body: gzipSync(Buffer.alloc(5 * 1024 * 1024, ' ')),
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      }),
      () => ({
        kind: 'bad-gzip',
        body: p.bytes(100),
        headers: {
          'content-type': 'application/json',
          'content-encoding': p.pick(['gzip', 'deflate', 'br']),
        },
      }),
      () => ({
        kind: 'unknown-encoding',
        body: Buffer.from('{}'),
        headers: { 'content-type': 'application/json', 'content-encoding': 'x-evil' },
      }),
      () => ({
        kind: 'form',
        body: Buffer.from('a[__proto__][polluted]=yes&b=%ZZ&c[][][]=1'),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
    ];
    return p.pick(options)();
  }

  private contentType(): Record<string, string> {
    const type = this.prng.pick(CONTENT_TYPES);
    return type ? { 'content-type': type } : {};
  }

  private withBody(request: Omit<FuzzRequest, 'body' | 'kind'> & { kind: string }): FuzzRequest {
    const { kind, body, headers } = this.hostileBody();
    return {
      ...request,
      kind: `${request.kind}:${kind}`,
      body,
      headers: { ...this.contentType(), ...request.headers, ...headers },
    };
  }

  private bearer(token: string): { kind: string; headers: Record<string, string> } {
    return this.prng.pick<{ kind: string; headers: Record<string, string> }>([
      { kind: 'no-token', headers: {} },
      { kind: 'wrong-token', headers: { authorization: 'Bearer wrong-token-value' } },
      { kind: 'token-prefix', headers: { authorization: `Bearer ${token.slice(0, -1)}` } },
      { kind: 'token-suffix', headers: { authorization: `Bearer ${token}x` } },
      { kind: 'no-scheme', headers: { authorization: token } },
      { kind: 'basic', headers: { authorization: `Basic ${Buffer.from(`a:${token}`).toString('base64')}` } },
      { kind: 'empty-bearer', headers: { authorization: 'Bearer ' } },
      { kind: 'lowercase-bearer', headers: { authorization: `bearer ${token}x` } },
      { kind: 'long-token', headers: { authorization: `Bearer ${'t'.repeat(6000)}` } },
    ]);
  }

  private segment(): string {
    return this.prng.pick(GARBAGE_SEGMENTS);
  }

  // --- per target -------------------------------------------------------------------------------------

  private resolver(): FuzzRequest {
    const base = { target: 'resolver', expect: 'CLIENT_ERROR' as const };
    const token = `Bearer ${this.secrets.supportToken}`;
    switch (this.prng.int(0, 4)) {
      case 0: {
        const auth = this.bearer(this.secrets.supportToken);
        const id = this.prng.chance(0.5) ? randomUUID() : this.segment();
        return {
          ...base,
          kind: `notifications:${auth.kind}`,
          method: 'GET',
          path: `/notifications/${id}`,
          headers: auth.headers,
        };
      }
      case 1:
        // The right token: a malformed id is 400, an unknown one 404.
        return {
          ...base,
          kind: 'notifications:bad-id',
          method: 'GET',
          path: `/notifications/${this.prng.chance(0.3) ? randomUUID() : this.segment()}`,
          headers: { authorization: token },
        };
      case 2:
        return this.withBody({
          ...base,
          kind: 'notifications:wrong-method',
          method: this.prng.pick(['POST', 'PUT', 'PATCH', 'DELETE']),
          path: `/notifications/${randomUUID()}`,
          headers: { authorization: token },
        });
      default:
        return this.unknownPath(base.target);
    }
  }

  private webhook(channel: 'viber' | 'sms'): FuzzRequest {
    const base = { target: channel, expect: 'CLIENT_ERROR' as const };
    const path = '/webhooks/turbosms';
    switch (this.prng.int(0, 4)) {
      case 0: {
        // Unsigned or wrongly signed, whatever the body.
        const request = this.withBody({
          ...base,
          kind: 'webhook:bad-signature',
          method: 'POST',
          path,
          headers: {},
        });
        const signature = this.prng.pick([
          undefined,
          '',
          'sha256=',
          `sha256=${'0'.repeat(64)}`,
          `sha256=${'g'.repeat(64)}`,
          signWebhookBody(request.body!, 'another-secret'),
          signWebhookBody(request.body!, this.secrets.webhookSecret).slice(0, -1),
          `sha1=${'a'.repeat(40)}`,
          `SHA256=${'A'.repeat(64)} extra`,
        ]);
        return signature === undefined
          ? request
          : { ...request, headers: { ...request.headers, 'x-signature': signature } };
      }
      case 1:
      case 2: {
        // Correctly signed, but not a report we can use.
        const body = this.signedButInvalid(channel);
        return {
          ...base,
          kind: `webhook:signed:${body.kind}`,
          method: 'POST',
          path,
          headers: {
            'content-type': 'application/json',
            'x-signature': signWebhookBody(body.body, this.secrets.webhookSecret),
          },
          body: body.body,
        };
      }
      case 3:
        return {
          ...base,
          kind: 'webhook:wrong-method',
          method: this.prng.pick(['GET', 'PUT', 'DELETE', 'PATCH']),
          path,
          headers: {},
        };
      default:
        return this.unknownPath(base.target);
    }
  }

  private signedButInvalid(channel: 'viber' | 'sms'): { kind: string; body: Buffer } {
    const report = {
      message_id: randomUUID(),
      sequence_id: randomUUID(),
      status: 'Delivered',
      type: channel,
    };
    const other = channel === 'viber' ? 'sms' : 'viber';
    const [kind, value] = this.prng.pick<[string, unknown]>([
      ['not-json', '{"message_id":'],
      ['array', [report]],
      ['null', null],
      ['no-message-id', { ...report, message_id: undefined }],
      ['empty-message-id', { ...report, message_id: '' }],
      ['long-message-id', { ...report, message_id: 'm'.repeat(129) }],
      ['numeric-message-id', { ...report, message_id: 42 }],
      ['nul-message-id', { ...report, message_id: `m\u0000${randomUUID()}` }],
      ['control-message-id', { ...report, message_id: `m\u0001\u001b[31m` }],
      ['surrogate-message-id', { ...report, message_id: 'm\ud800' }],
      ['nul-sequence-id', { ...report, sequence_id: `s\u0000` }],
      ['long-sequence-id', { ...report, sequence_id: 's'.repeat(129) }],
      ['object-sequence-id', { ...report, sequence_id: { $gt: '' } }],
      ['unknown-status', { ...report, status: 'Lost' }],
      ['status-object', { ...report, status: { toString: 'Delivered' } }],
      ['other-channel', { ...report, type: other }],
      ['unknown-type', { ...report, type: 'telegram' }],
      [
        'proto-keys',
        JSON.parse(`{"__proto__":{"status":"Delivered","type":"${channel}"},"message_id":"m"}`) as unknown,
      ],
    ]);
    return { kind, body: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)) };
  }

  private diia(): FuzzRequest {
    const base = { target: 'diia', expect: 'CLIENT_ERROR' as const };
    switch (this.prng.int(0, 3)) {
      case 0:
      case 1: {
        const taxId = this.prng.chance(0.5) ? this.prng.digits(10) : this.segment();
        const request = this.withBody({
          ...base,
          kind: 'control:recipient',
          method: 'PUT',
          path: `/__control/recipients/${taxId}`,
          headers: {},
        });
        // Only bodies that can never be a valid behaviour.
        return this.prng.chance(0.3)
          ? {
              ...request,
              kind: 'control:recipient:bad-behaviour',
              headers: { 'content-type': 'application/json' },
              body: Buffer.from(
                this.prng.pick([
                  '{"diia":"read"}',
                  '{"diia":"READ","x":1}',
                  '{"diia":null}',
                  '{"diia":["READ"]}',
                  '{"viber":"READ"}',
                ]),
              ),
            }
          : request;
      }
      case 2:
        return this.withBody({
          ...base,
          kind: 'control:wrong-method',
          method: this.prng.pick(['POST', 'PATCH']),
          path: this.prng.pick(['/__control', '/__control/messages', '/__control/recipients/1234567890']),
          headers: {},
        });
      default:
        return this.unknownPath(base.target);
    }
  }

  private slip(): FuzzRequest {
    const base = { target: 'slip', expect: 'CLIENT_ERROR' as const };
    const right = `Bearer ${this.secrets.misToken}`;
    switch (this.prng.int(0, 4)) {
      case 0: {
        const auth = this.bearer(this.secrets.misToken);
        return {
          ...base,
          kind: `slip:download:${auth.kind}`,
          method: 'GET',
          path: `/slips/${randomUUID()}.pdf`,
          headers: auth.headers,
        };
      }
      case 1: {
        const auth = this.bearer(this.secrets.misToken);
        return this.withBody({
          ...base,
          kind: `slip:printed:${auth.kind}`,
          method: 'POST',
          path: `/slips/${randomUUID()}/printed`,
          headers: auth.headers,
        });
      }
      case 2: {
        const file = this.prng.pick([
          `${randomUUID()}.pdf`,
          randomUUID(),
          `${this.segment()}.pdf`,
          this.segment(),
          `${randomUUID()}.PDF`,
        ]);
        return {
          ...base,
          kind: 'slip:download:bad-id',
          method: 'GET',
          path: `/slips/${file}`,
          headers: { authorization: right },
        };
      }
      case 3:
        return this.withBody({
          ...base,
          kind: 'slip:printed:bad-id',
          method: 'POST',
          path: `/slips/${this.prng.chance(0.5) ? randomUUID() : this.segment()}/printed`,
          headers: { authorization: right },
        });
      default:
        return this.unknownPath(base.target);
    }
  }

  private simulator(): FuzzRequest {
    const base = { target: 'simulator', expect: 'CLIENT_ERROR' as const };
    const token = `Bearer ${this.secrets.providerToken}`;
    const badJson = () =>
      Buffer.from(
        this.prng.pick([
          '{"viber":"delivered"}',
          '{"sms":"LOST"}',
          '{"viber":null,"sms":5}',
          '{"viber":"DELIVERED","x":1}',
          '{"latencyMs":-1}',
          '{"latencyMs":"1"}',
          '{"viber":"yes"}',
          '{"latencyMs":1e9}',
          '[]',
          '"x"',
          '{"recipients":[],"sms":{"sender":"x","text":"y"}}',
          '{"recipients":["+380931234567"],"viber":{"sender":"","text":"y"}}',
          '{"recipients":["+380931234567"],"viber":{"sender":"x","text":"y"},"sms":{"sender":"x","text":"y"}}',
          '{"messages":[]}',
          '{"messages":"m"}',
        ]),
      );
    switch (this.prng.int(0, 5)) {
      case 0: {
        // A phone the simulator refuses, any body.
        return this.withBody({
          ...base,
          kind: 'control:bad-phone',
          method: 'PUT',
          path: `/__control/recipients/${this.prng.pick(['0931234567', '+38093', '+3809312345678', this.segment()])}`,
          headers: {},
        });
      }
      case 1:
        return {
          ...base,
          kind: 'control:bad-body',
          method: 'PUT',
          path: this.prng.pick([`/__control/recipients/+38099${this.prng.digits(7)}`, '/__control/outage']),
          headers: { 'content-type': 'application/json' },
          body: this.prng.chance(0.5)
            ? badJson()
            : Buffer.from(this.prng.pick(['{', '{"viber":', '\u0000', '{"__proto__":1,'])),
        };
      case 2:
        return {
          ...base,
          kind: 'control:messages:bad-phone',
          method: 'GET',
          path: `/__control/messages?phone=${this.prng.pick(['abc', '0931234567', '%2B380', '+38093123456789', '%ZZ'])}`,
          headers: {},
        };
      case 3: {
        // The aggregator API without a valid token: HTTP 200, response_code 301, like TurboSMS.
        const auth = this.bearer(this.secrets.providerToken);
        return this.withBody({
          ...base,
          expect: 'PROVIDER_ERROR',
          kind: `aggregator:${auth.kind}`,
          method: 'POST',
          path: this.prng.pick(['/message/send.json', '/message/status.json']),
          headers: { ...auth.headers, authorization: auth.headers.authorization ?? '' },
        });
      }
      case 4:
        return {
          ...base,
          kind: 'aggregator:bad-body',
          method: 'POST',
          path: this.prng.pick(['/message/send.json', '/message/status.json']),
          headers: { 'content-type': 'application/json', authorization: token },
          body: this.prng.chance(0.6) ? badJson() : this.hostileBody().body,
        };
      default:
        return this.unknownPath(base.target);
    }
  }

  private unknownPath(target: string): FuzzRequest {
    const method = this.prng.pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);
    const path = this.prng.pick([
      '/',
      '/admin',
      '/.env',
      '/metrics/x',
      `/health/${this.segment()}`,
      `/${this.segment()}`,
      '/webhooks',
      '/slips',
      '/notifications',
      '/__control/x',
    ]);
    const request: FuzzRequest = {
      target,
      kind: 'unknown-path',
      method,
      path,
      headers: {},
      expect: 'CLIENT_ERROR',
    };
    return method === 'GET' ? request : this.withBody(request);
  }
}

/**
 * One request with a deadline: a hang is a result (`status` 0, `error` TIMEOUT), never a stuck test. Plain
 * node:http on a connection of its own, destroyed once the answer is in: a client still uploading a body
 * the server has already refused must not keep the connection (and the test process) alive.
 */
export function send(base: string, request: FuzzRequest, timeoutMs = 5000): Promise<FuzzResponse> {
  const { hostname, port } = new URL(base);
  const started = Date.now();
  return new Promise((resolve) => {
    let settled = false;
    const finish = (response: Omit<FuzzResponse, 'ms'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outgoing.destroy();
      resolve({ ...response, ms: Date.now() - started });
    };
    const outgoing = httpRequest({
      hostname,
      port,
      path: request.path,
      method: request.method,
      headers: request.headers,
      agent: false,
    });
    const timer = setTimeout(
      () => finish({ status: 0, contentType: '', body: '', error: 'TIMEOUT' }),
      timeoutMs,
    );
    outgoing.on('response', (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () =>
        finish({
          status: incoming.statusCode ?? 0,
          contentType: String(incoming.headers['content-type'] ?? ''),
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      incoming.on('error', (error) => finish({ status: 0, contentType: '', body: '', error: error.message }));
    });
    outgoing.on('error', (error: NodeJS.ErrnoException) =>
      finish({
        status: 0,
        contentType: '',
        body: '',
        error: `${error.code ?? error.name}: ${error.message}`,
      }),
    );
    outgoing.end(request.method === 'GET' || request.method === 'HEAD' ? undefined : request.body);
  });
}

/** Runs `work` over `items` with at most `limit` in flight. */
export async function pool<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]);
      }
    }),
  );
  return results;
}

/** Why an answer is not acceptable for its request, or undefined when it is. */
export function verdict(request: FuzzRequest, response: FuzzResponse): string | undefined {
  if (response.error) return response.error;
  if (!response.contentType.startsWith('application/json'))
    return `content-type ${response.contentType || 'none'}`;
  let body: unknown;
  try {
    body = JSON.parse(response.body);
  } catch {
    return 'body is not JSON';
  }
  if (typeof body !== 'object' || body === null) return 'body is not a JSON object';
  if (request.expect === 'PROVIDER_ERROR') {
    const code = (body as { response_code?: unknown }).response_code;
    if (response.status === 200 && typeof code === 'number' && code !== 0) return undefined;
    if (response.status >= 400 && response.status < 500) return undefined;
    return `HTTP ${response.status} response_code ${String(code)}`;
  }
  if (response.status < 400 || response.status > 499) return `HTTP ${response.status}`;
  return undefined;
}
