import { Pool } from 'undici';
import { ProviderPermanentError, ProviderUnavailableError } from '../channel-gateway';
import {
  TurboSmsCode,
  turboSmsCodeName,
  type TurboSmsSendRequest,
  type TurboSmsSendResponse,
  type TurboSmsStatusResponse,
  type TurboSmsBalanceResponse,
} from './turbosms.types';

export interface TurboSmsClientOptions {
  /** e.g. `https://api.turbosms.ua` or the simulator's `http://127.0.0.1:3100`. */
  baseUrl: string;
  token: string;
  /** Whole-call budget (connect, send, read the body). */
  timeoutMs?: number;
  /** Keep-alive connections to the provider (undici pool). */
  connections?: number;
}

const AUTH_CODES = new Set<number>([
  TurboSmsCode.REQUIRED_TOKEN,
  TurboSmsCode.REQUIRED_AUTH,
  TurboSmsCode.INVALID_TOKEN,
]);

/**
 * Thin HTTP client for the aggregator API. It turns transport trouble into the port's typed errors
 * (retriable or not) and returns the provider's JSON; the gateways interpret per-message results.
 * Errors carry codes only: never the phone, the text or the token.
 */
export class TurboSmsClient {
  /** undici's pool, not fetch(): fetch's WHATWG machinery was a fifth of a sender's CPU per message. */
  private readonly pool: Pool;
  private readonly basePath: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;

  constructor(options: TurboSmsClientOptions) {
    const url = new URL(options.baseUrl); // throws early on a misconfigured URL
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new Error('TurboSmsClient: baseUrl must be http(s)');
    if (!options.token) throw new Error('TurboSmsClient: token is required');
    this.pool = new Pool(url.origin, { connections: options.connections ?? 32 });
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.headers = {
      authorization: `Bearer ${options.token}`,
      'content-type': 'application/json',
      accept: 'application/json',
    };
    this.timeoutMs = options.timeoutMs ?? 5000;
  }

  /** Closes the keep-alive connections (app shutdown). */
  close(): Promise<void> {
    return this.pool.close();
  }

  send(request: TurboSmsSendRequest): Promise<TurboSmsSendResponse> {
    return this.post<TurboSmsSendResponse>('/message/send.json', request);
  }

  status(messageIds: string[]): Promise<TurboSmsStatusResponse> {
    return this.post<TurboSmsStatusResponse>('/message/status.json', { messages: messageIds });
  }

  /** `POST /user/balance.json`: a call that sends nothing, for health probes. */
  balance(): Promise<TurboSmsBalanceResponse> {
    return this.post<TurboSmsBalanceResponse>('/user/balance.json', {});
  }

  private async post<T extends { response_code: number }>(path: string, body: unknown): Promise<T> {
    let status: number;
    let text: string;
    try {
      const response = await this.pool.request({
        path: `${this.basePath}${path}`,
        method: 'POST',
        headers: this.headers,
        body: JSON.stringify(body),
        // undici's own time-outs rather than AbortSignal.timeout(): that timer outlived every request and
        // fired seconds later with a DOMException, one per message.
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      status = response.statusCode;
      // Read the body inside the same try: bodyTimeout covers a provider that stalls mid-body.
      text = await response.body.text();
    } catch (error) {
      throw transportError(error);
    }

    if (status === 429 || status >= 500) throw httpUnavailable(status);
    if (status < 200 || status >= 300) throw new ProviderPermanentError(`HTTP_${status}`);

    const parsed = parseObject(text);
    // A garbled 200 is retried: the send is idempotent by sequence_id, so a retry cannot double-send.
    if (!parsed || typeof parsed.response_code !== 'number')
      throw new ProviderUnavailableError('INVALID_RESPONSE', { kind: 'INVALID_RESPONSE', mayHaveSent: true });
    if (AUTH_CODES.has(parsed.response_code)) {
      throw new ProviderPermanentError(turboSmsCodeName(parsed.response_code, parsed.response_status));
    }
    return parsed as unknown as T;
  }
}

/** Socket errors that mean the request never reached the provider. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
/** undici's own time-outs (`headersTimeout`, `bodyTimeout`; its request API throws them directly). */
const UNDICI_TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** A request that ran out of undici's `headersTimeout` or `bodyTimeout` (shared with the simulator's webhooks). */
export function isUndiciTimeout(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && UNDICI_TIMEOUT_CODES.has(code);
}

/**
 * A transport failure as the port's error. A time-out or a connection cut after the request went out may
 * have been processed (`mayHaveSent`); a refused connection or a failed name lookup was not. Shared by the
 * SMS adapters' HTTP clients (undici's request throws socket errors directly, fetch() as their cause).
 */
export function transportError(error: unknown): ProviderUnavailableError {
  const { name, code, cause } = (error ?? {}) as {
    name?: unknown;
    code?: unknown;
    cause?: { code?: unknown };
  };
  if (
    name === 'TimeoutError' ||
    name === 'AbortError' ||
    code === 'UND_ERR_ABORTED' ||
    isUndiciTimeout(error)
  )
    return new ProviderUnavailableError('TIMEOUT', { kind: 'TIMEOUT', mayHaveSent: true });
  const socketCode = typeof code === 'string' ? code : cause?.code;
  const refused = typeof socketCode === 'string' && NOT_CONNECTED.has(socketCode);
  return new ProviderUnavailableError('CONNECTION_ERROR', { kind: 'CONNECTION', mayHaveSent: !refused });
}

/** 503 and 429 say "not processed, try later"; any other 5xx (500, 502, 504) may come after processing. */
export function httpUnavailable(status: number): ProviderUnavailableError {
  return new ProviderUnavailableError(`HTTP_${status}`, {
    kind: status === 429 ? 'RATE_LIMITED' : 'HTTP_5XX',
    mayHaveSent: status !== 503 && status !== 429,
  });
}

/** A provider's JSON answer when it is an object; undefined for anything else (shared by the SMS clients). */
export function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
