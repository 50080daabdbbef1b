import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { request } from 'undici';
import { signWebhookBody, type TurboSmsMessageType, type TurboSmsWebhookPayload } from '@app/providers';
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

  /** Resolves true when the sender answered 2xx; never rejects. */
  async push(payload: TurboSmsWebhookPayload, maskedPhone: string): Promise<boolean> {
    const url = payload.type === 'viber' ? this.config.VIBER_CALLBACK_URL : this.config.SMS_CALLBACK_URL;
    const body = JSON.stringify(payload);
    const signature = signWebhookBody(body, this.config.WEBHOOK_SECRET);
    const cancel = this.cancel.signal;
    const about = `${payload.type} report ${payload.status} for ${payload.message_id} (${maskedPhone})`;

    for (let attempt = 1; attempt <= RETRY_DELAYS_MS.length + 1; attempt += 1) {
      if (cancel.aborted) return false;
      const failure = await this.attempt(url, body, signature, cancel);
      if (failure === undefined) {
        // Per-message lines are debug: at info the simulator would spend more on its log than on the message.
        this.logger.debug(
          `${about}: delivered to the ${typeLabel(payload.type)} webhook (attempt ${attempt})`,
        );
        return true;
      }
      if (cancel.aborted) return false;
      // 4xx other than 408/429 means the sender refused this report (e.g. signature): retrying cannot help.
      const permanent = /^HTTP_4\d\d$/.test(failure) && failure !== 'HTTP_408' && failure !== 'HTTP_429';
      const last = permanent || attempt > RETRY_DELAYS_MS.length;
      this.logger.warn(
        `${about}: webhook attempt ${attempt} failed (${failure})${last ? ', giving up; status.json has it' : ''}`,
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
    body: string,
    signature: string,
    cancel: AbortSignal,
  ): Promise<string | undefined> {
    try {
      // undici's request (keep-alive pool) rather than fetch(): a third of the simulator's CPU was fetch.
      const response = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-signature': signature },
        body,
        signal: AbortSignal.any([cancel, AbortSignal.timeout(ATTEMPT_TIMEOUT_MS)]),
      });
      await response.body.dump().catch(() => undefined);
      const ok = response.statusCode >= 200 && response.statusCode < 300;
      return ok ? undefined : `HTTP_${response.statusCode}`;
    } catch (error) {
      return (error as { name?: string }).name === 'TimeoutError' ? 'TIMEOUT' : 'CONNECTION_ERROR';
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
