import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { request as httpRequest } from 'undici';
import {
  isUndiciTimeout,
  signSmscCallback,
  signWebhookBody,
  type SmscCallbackFields,
  type TurboSmsMessageType,
  type TurboSmsWebhookPayload,
} from '@app/providers';
import { SimulatorConfig } from './simulator.config';

/** Pauses between attempts: the sender may be restarting; status.json stays correct meanwhile. */
const RETRY_DELAYS_MS = [250, 500, 1000, 2000];
const ATTEMPT_TIMEOUT_MS = 2000;

/**
 * Pushes signed delivery reports to the sender of the channel, retrying a few times while the sender is
 * down. `cancelAll` (reset, shutdown) stops every pending push, including one waiting between attempts.
 */
@Injectable()
export class ReportWebhookService implements OnModuleDestroy {
  private readonly logger = new Logger('ReportWebhook');
  private cancel = new AbortController();

  constructor(private readonly config: SimulatorConfig) {}

  /** TurboSMS report (JSON) to the Viber or SMS sender. Resolves true when it answered 2xx; never rejects. */
  push(payload: TurboSmsWebhookPayload, maskedPhone: string): Promise<boolean> {
    const url = payload.type === 'viber' ? this.config.VIBER_CALLBACK_URL : this.config.SMS_CALLBACK_URL;
    const body = JSON.stringify(payload);
    return this.deliver(url, {
      body,
      contentType: 'application/json',
      signature: signWebhookBody(body, this.config.WEBHOOK_SECRET),
      about: `${payload.type} report ${payload.status} for ${payload.message_id} (${maskedPhone}) to the ${typeLabel(payload.type)} webhook`,
    });
  }

  /** SMSC status callback (a form) to the SMS sender's SMSC handler. */
  pushSmsc(fields: SmscCallbackFields, maskedPhone: string): Promise<boolean> {
    const body = new URLSearchParams({ ...fields }).toString();
    return this.deliver(this.config.SMSC_CALLBACK_URL, {
      body,
      contentType: 'application/x-www-form-urlencoded',
      signature: signSmscCallback(body, this.config.SMSC_WEBHOOK_SECRET),
      about: `smsc status ${fields.status} for ${fields.id} (${maskedPhone}) to the SMSC handler`,
    });
  }

  private async deliver(
    url: string,
    request: { body: string; contentType: string; signature: string; about: string },
  ): Promise<boolean> {
    const cancel = this.cancel.signal;
    for (let attempt = 1; attempt <= RETRY_DELAYS_MS.length + 1; attempt += 1) {
      if (cancel.aborted) return false;
      const failure = await this.attempt(url, request, cancel);
      if (failure === undefined) {
        // Per-message lines are debug: at info the simulator would spend more on its log than on the message.
        this.logger.debug(`${request.about}: delivered (attempt ${attempt})`);
        return true;
      }
      if (cancel.aborted) return false;
      // 4xx other than 408/429 means the sender refused this report (e.g. signature): retrying cannot help.
      const permanent = /^HTTP_4\d\d$/.test(failure) && failure !== 'HTTP_408' && failure !== 'HTTP_429';
      const last = permanent || attempt > RETRY_DELAYS_MS.length;
      this.logger.warn(
        `${request.about}: attempt ${attempt} failed (${failure})${last ? ', giving up; the status call has it' : ''}`,
      );
      if (last) return false;
      await sleep(RETRY_DELAYS_MS[attempt - 1], cancel);
    }
    return false;
  }

  /** Stops every pending push (their reports stay visible through status.json). */
  cancelAll(): void {
    this.cancel.abort();
    this.cancel = new AbortController();
  }

  onModuleDestroy(): void {
    this.cancel.abort();
  }

  /** Undefined on success, else a short failure code. */
  private async attempt(
    url: string,
    request: { body: string; contentType: string; signature: string },
    cancel: AbortSignal,
  ): Promise<string | undefined> {
    try {
      // undici's request (keep-alive pool) rather than fetch(): a third of the simulator's CPU was fetch.
      const response = await httpRequest(url, {
        method: 'POST',
        headers: { 'content-type': request.contentType, 'x-signature': request.signature },
        body: request.body,
        signal: cancel,
        // undici's own time-outs: an AbortSignal.timeout() per push outlived it and fired 2 s later anyway.
        headersTimeout: ATTEMPT_TIMEOUT_MS,
        bodyTimeout: ATTEMPT_TIMEOUT_MS,
      });
      await response.body.dump().catch(() => undefined);
      const ok = response.statusCode >= 200 && response.statusCode < 300;
      return ok ? undefined : `HTTP_${response.statusCode}`;
    } catch (error) {
      return isUndiciTimeout(error) ? 'TIMEOUT' : 'CONNECTION_ERROR';
    }
  }
}

function typeLabel(type: TurboSmsMessageType): string {
  return type === 'viber' ? 'Viber' : 'SMS';
}

function sleep(ms: number, cancel: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    cancel.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      cancel.removeEventListener('abort', done);
      resolve();
    }
  });
}
