import { ProviderPermanentError, ProviderUnavailableError } from '../channel-gateway';
import { httpUnavailable, parseObject, transportError } from '../turbosms/turbosms.client';
import {
  SmscError,
  smscErrorName,
  type SmscBalanceAnswer,
  type SmscErrorAnswer,
  type SmscSendParams,
  type SmscSendSuccess,
  type SmscStatusAnswer,
} from './smsc.types';

export interface SmscClientOptions {
  /** `https://smsc.ua` in production; the simulator's `http://127.0.0.1:3100` locally. */
  baseUrl: string;
  login: string;
  password: string;
  /** Whole-call budget (connect, send, read the body). */
  timeoutMs?: number;
}

export type SmscAnswer<T> = T | SmscErrorAnswer;

export function isSmscError(answer: object): answer is SmscErrorAnswer {
  return typeof (answer as { error_code?: unknown }).error_code === 'number';
}

/**
 * Thin HTTP client for SMSC's `/sys/*.php`. Parameters travel as a form body (`POST`), never in the URL,
 * so the password and the phone stay out of access logs. Transport trouble and account-wide errors become
 * the port's typed errors; per-message answers go back to the gateway. Errors carry codes only.
 */
export class SmscClient {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: SmscClientOptions) {
    const url = new URL(options.baseUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new Error('SmscClient: baseUrl must be http(s)');
    if (!options.login || !options.password) throw new Error('SmscClient: login and password are required');
    this.baseUrl = url.href.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 5000;
  }

  send(params: SmscSendParams): Promise<SmscAnswer<SmscSendSuccess>> {
    return this.call<SmscSendSuccess>('send', {
      phones: params.phones,
      mes: params.mes,
      id: String(params.id),
      sender: params.sender,
      valid: params.valid,
    });
  }

  /** One message's status; SMSC identifies a message by the phone and the id together. */
  status(phone: string, id: number): Promise<SmscAnswer<SmscStatusAnswer>> {
    return this.call<SmscStatusAnswer>('status', { phone, id: String(id) });
  }

  /** Sends nothing: the health probe. */
  async balance(): Promise<SmscBalanceAnswer> {
    const answer = await this.call<SmscBalanceAnswer>('balance', {});
    if (isSmscError(answer)) throw accountError(answer.error_code);
    return answer;
  }

  private async call<T extends object>(
    method: string,
    params: Record<string, string>,
  ): Promise<SmscAnswer<T>> {
    const body = new URLSearchParams({
      login: this.options.login,
      psw: this.options.password,
      fmt: '3',
      charset: 'utf-8',
      ...params,
    });
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${this.baseUrl}/sys/${method}.php`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: body.toString(),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw transportError(error);
    }
    if (response.status === 429 || response.status >= 500) throw httpUnavailable(response.status);
    if (!response.ok) throw new ProviderPermanentError(`HTTP_${response.status}`);
    const parsed = parseObject(text);
    if (!parsed) throw new ProviderUnavailableError('INVALID_RESPONSE', { kind: 'INVALID_RESPONSE' });
    if (isSmscError(parsed)) {
      // Account-wide answers are the same for every call; per-message ones are the gateway's to read.
      if (parsed.error_code === SmscError.INVALID_CREDENTIALS || parsed.error_code === SmscError.IP_BLOCKED)
        throw accountError(parsed.error_code);
    }
    return parsed as SmscAnswer<T>;
  }
}

/** Wrong login/password is permanent; a blocked IP (SMSC blocks after repeated errors) passes. */
function accountError(code: number): ProviderPermanentError | ProviderUnavailableError {
  if (code === SmscError.INVALID_CREDENTIALS) return new ProviderPermanentError(smscErrorName(code));
  return new ProviderUnavailableError(smscErrorName(code), {
    kind: code === SmscError.TOO_FREQUENT ? 'RATE_LIMITED' : 'PROVIDER_ERROR',
    mayHaveSent: false,
  });
}
