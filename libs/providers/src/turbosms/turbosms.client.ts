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
  private readonly baseUrl: string;
  private readonly token: string;
  private readonly timeoutMs: number;

  constructor(options: TurboSmsClientOptions) {
    const url = new URL(options.baseUrl); // throws early on a misconfigured URL
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new Error('TurboSmsClient: baseUrl must be http(s)');
    if (!options.token) throw new Error('TurboSmsClient: token is required');
    this.baseUrl = url.href.replace(/\/+$/, '');
    this.token = options.token;
    this.timeoutMs = options.timeoutMs ?? 5000;
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
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${this.token}`,
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      // Read the body inside the same try: the timeout also covers a provider that stalls mid-body.
      text = await response.text();
    } catch (error) {
      throw transportError(error);
    }

    if (response.status === 429 || response.status >= 500) throw httpUnavailable(response.status);
    if (!response.ok) throw new ProviderPermanentError(`HTTP_${response.status}`);

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

/**
 * A fetch failure as the port's error. A time-out or a connection cut after the request went out may have
 * been processed (`mayHaveSent`); a refused connection or a failed name lookup was not. Shared by the SMS
 * adapters' HTTP clients.
 */
export function transportError(error: unknown): ProviderUnavailableError {
  const name = (error as { name?: unknown })?.name;
  if (name === 'TimeoutError' || name === 'AbortError')
    return new ProviderUnavailableError('TIMEOUT', { kind: 'TIMEOUT', mayHaveSent: true });
  const code = (error as { cause?: { code?: unknown } })?.cause?.code;
  const refused = typeof code === 'string' && NOT_CONNECTED.has(code);
  return new ProviderUnavailableError('CONNECTION_ERROR', { kind: 'CONNECTION', mayHaveSent: !refused });
}

/** 503 and 429 say "not processed, try later"; any other 5xx (500, 502, 504) may come after processing. */
export function httpUnavailable(status: number): ProviderUnavailableError {
  return new ProviderUnavailableError(`HTTP_${status}`, {
    kind: status === 429 ? 'RATE_LIMITED' : 'HTTP_5XX',
    mayHaveSent: status !== 503 && status !== 429,
  });
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
