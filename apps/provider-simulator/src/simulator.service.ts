import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { HttpException, HttpStatus, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import {
  TurboSmsCode,
  type TurboSmsMessageStatus,
  type TurboSmsMessageType,
  type TurboSmsRecipientResult,
  type TurboSmsReportStatus,
  type TurboSmsSendResponse,
  type TurboSmsStatusResponse,
} from '@app/providers';
import type { SendRequestDto, StatusRequestDto } from './aggregator.dto';
import {
  DEFAULT_BEHAVIOURS,
  NO_OUTAGE,
  type OutageState,
  type RecipientBehaviour,
  type RecipientBehaviours,
} from './behaviours';
import type { OutageDto, RecipientBehaviourDto } from './control.dto';
import { maskPhone, normalisePhone } from './phone';
import { ReportWebhookService } from './report-webhook.service';
import { SimulatorConfig } from './simulator.config';

/** One accepted message. The simulator plays the provider, so it keeps the full phone and text in memory. */
interface SimulatedMessage {
  id: string;
  phone: string;
  type: TurboSmsMessageType;
  text: string;
  sequenceId: string | null;
  status: TurboSmsMessageStatus;
  sentAt: string;
  updatedAt: string;
}

/** What `GET /__control/messages` lists (architecture.md §7). */
export interface ControlMessageView {
  id: string;
  phone: string;
  /** The contract's channel name (architecture.md §4), not the wire `type`. */
  channel: 'VIBER' | 'SMS';
  text: string;
  time: string;
  sequenceId: string | null;
  status: TurboSmsMessageStatus;
  updatedAt: string;
}

type SyncReject = Pick<TurboSmsRecipientResult, 'response_code' | 'response_status'>;

const VIBER_REJECTS: Partial<Record<RecipientBehaviour, SyncReject>> = {
  NOT_VIBER_USER: { response_code: TurboSmsCode.NOT_VIBER_USER, response_status: 'NOT_VIBER_USER' },
  // "Rejected" on Viber looks to the sender like a number Viber cannot reach.
  REJECTED: { response_code: TurboSmsCode.NOT_VIBER_USER, response_status: 'NOT_VIBER_USER' },
  USER_BLOCKED: { response_code: TurboSmsCode.USER_BLOCKED, response_status: 'USER_BLOCKED' },
  NO_SUITABLE_DEVICE: {
    response_code: TurboSmsCode.NO_SUITABLE_DEVICE,
    response_status: 'NO_SUITABLE_DEVICE',
  },
};

// Viber-only behaviours (NOT_VIBER_USER, USER_BLOCKED, NO_SUITABLE_DEVICE) act as DELIVERED on SMS.
const SMS_REJECTS: Partial<Record<RecipientBehaviour, SyncReject>> = {
  REJECTED: {
    response_code: TurboSmsCode.NOT_ALLOWED_NUMBER_STOPLIST,
    response_status: 'NOT_ALLOWED_NUMBER_STOPLIST',
  },
};

const INVALID_PHONE: SyncReject = {
  response_code: TurboSmsCode.INVALID_PHONE,
  response_status: 'INVALID_PHONE',
};

/** The report a behaviour produces after REPORT_DELAY_MS; none for NO_REPORT (the status stays Accepted). */
function finalStatusOf(behaviour: RecipientBehaviour): TurboSmsReportStatus | undefined {
  if (behaviour === 'NO_REPORT') return undefined;
  if (behaviour === 'UNDELIVERED') return 'Undelivered';
  if (behaviour === 'EXPIRED') return 'Expired';
  return 'Delivered';
}

/**
 * In-memory provider: per-recipient behaviours, accepted messages, idempotency by sequence_id, scheduled
 * delivery reports. Logs mask phones and never contain texts (they carry verification codes).
 */
@Injectable()
export class SimulatorService implements OnModuleDestroy {
  private readonly logger = new Logger('ProviderSimulator');
  private readonly behaviours = new Map<string, RecipientBehaviours>();
  /** Insertion order is acceptance order. */
  private readonly messages = new Map<string, SimulatedMessage>();
  /** `${type}:${sequence_id}:${phone}` → message id: a resent request returns the same id. */
  private readonly idsBySequence = new Map<string, string>();
  private readonly reportTimers = new Set<NodeJS.Timeout>();
  private outage: OutageState = { ...NO_OUTAGE };

  constructor(
    private readonly config: SimulatorConfig,
    private readonly webhooks: ReportWebhookService,
  ) {}

  async send(request: SendRequestDto): Promise<TurboSmsSendResponse> {
    await this.simulateLatency();
    const type: TurboSmsMessageType = request.viber ? 'viber' : 'sms';
    const text = (request.viber ?? request.sms)!.text;

    // An outage, or ERROR_5XX for any recipient, fails the whole call before anything is recorded.
    const failing = request.recipients.find((recipient) => this.behaviourOf(recipient, type) === 'ERROR_5XX');
    if (this.outage[type] || failing !== undefined) {
      const why = this.outage[type] ? 'provider outage' : `ERROR_5XX for ${maskPhone(failing!)}`;
      this.logger.warn(`${type} send answered HTTP 503 (${why})`);
      throw new HttpException(
        type === 'viber'
          ? { response_code: TurboSmsCode.FAILED_VIBER_SEND, response_status: 'FAILED_VIBER_SEND' }
          : { response_code: TurboSmsCode.FAILED_SMS_SEND, response_status: 'FAILED_SMS_SEND' },
        HttpStatus.SERVICE_UNAVAILABLE,
      );
    }

    return {
      response_code: TurboSmsCode.SUCCESS_MESSAGE_ACCEPTED,
      response_status: 'SUCCESS_MESSAGE_ACCEPTED',
      response_result: request.recipients.map((recipient) =>
        this.sendOne(recipient, type, text, request.sequence_id ?? null),
      ),
    };
  }

  async status(request: StatusRequestDto): Promise<TurboSmsStatusResponse> {
    await this.simulateLatency();
    if (this.outage.viber && this.outage.sms) {
      this.logger.warn('status poll answered HTTP 503 (provider outage)');
      throw new HttpException(
        { response_code: TurboSmsCode.FATAL_ERROR, response_status: 'FATAL_ERROR' },
        HttpStatus.SERVICE_UNAVAILABLE,
      );
    }
    // Unknown ids are left out, as the port expects ("returns only the ids it knows").
    const known = [...new Set(request.messages)].flatMap((id) => this.messages.get(id) ?? []);
    return {
      response_code: TurboSmsCode.OK,
      response_status: 'OK',
      response_result: known.map((message) => ({
        message_id: message.id,
        recipient: message.phone.slice(1),
        status: message.status,
        type: message.type,
        sequence_id: message.sequenceId,
        sent: message.sentAt,
        updated: message.updatedAt,
      })),
    };
  }

  setRecipientBehaviour(
    phone: string,
    change: RecipientBehaviourDto,
  ): RecipientBehaviours & { phone: string } {
    const next = { ...(this.behaviours.get(phone) ?? DEFAULT_BEHAVIOURS) };
    if (change.viber) next.viber = change.viber;
    if (change.sms) next.sms = change.sms;
    this.behaviours.set(phone, next);
    this.logger.log(`behaviour for ${maskPhone(phone)}: viber ${next.viber}, sms ${next.sms}`);
    return { phone, ...next };
  }

  setOutage(change: OutageDto): OutageState {
    this.outage = {
      viber: change.viber ?? this.outage.viber,
      sms: change.sms ?? this.outage.sms,
      latencyMs: change.latencyMs ?? this.outage.latencyMs,
    };
    this.logger.warn(
      `outage: viber ${this.outage.viber}, sms ${this.outage.sms}, latency ${this.outage.latencyMs} ms`,
    );
    return { ...this.outage };
  }

  listMessages(phone?: string): ControlMessageView[] {
    return [...this.messages.values()]
      .filter((message) => phone === undefined || message.phone === phone)
      .map((message) => ({
        id: message.id,
        phone: message.phone,
        channel: message.type === 'viber' ? 'VIBER' : 'SMS',
        text: message.text,
        time: message.sentAt,
        sequenceId: message.sequenceId,
        status: message.status,
        updatedAt: message.updatedAt,
      }));
  }

  /** Forgets behaviours, messages, idempotency keys and the outage; pending reports are dropped. */
  reset(): void {
    this.clearReportTimers();
    this.webhooks.cancelAll();
    this.behaviours.clear();
    this.messages.clear();
    this.idsBySequence.clear();
    this.outage = { ...NO_OUTAGE };
    this.logger.log('state reset');
  }

  onModuleDestroy(): void {
    this.clearReportTimers();
  }

  private sendOne(
    recipient: string,
    type: TurboSmsMessageType,
    text: string,
    sequenceId: string | null,
  ): TurboSmsRecipientResult {
    const phone = normalisePhone(recipient);
    if (!phone) {
      this.logger.debug(`${type} recipient rejected: INVALID_PHONE`);
      return { phone: recipient, message_id: null, ...INVALID_PHONE };
    }

    const idempotencyKey = sequenceId === null ? undefined : `${type}:${sequenceId}:${phone}`;
    const existing = idempotencyKey ? this.idsBySequence.get(idempotencyKey) : undefined;
    if (existing) {
      this.logger.debug(
        `${type} resend of sequence ${sequenceId} for ${maskPhone(phone)}: same message ${existing}`,
      );
      return {
        phone: recipient,
        message_id: existing,
        response_code: TurboSmsCode.OK,
        response_status: 'OK',
      };
    }

    const behaviour = this.behaviourOf(phone, type);
    const reject = (type === 'viber' ? VIBER_REJECTS : SMS_REJECTS)[behaviour];
    if (reject) {
      this.logger.debug(`${type} to ${maskPhone(phone)} rejected: ${reject.response_status}`);
      return { phone: recipient, message_id: null, ...reject };
    }

    const now = new Date().toISOString();
    const message: SimulatedMessage = {
      id: randomUUID(),
      phone,
      type,
      text,
      sequenceId,
      status: 'Accepted',
      sentAt: now,
      updatedAt: now,
    };
    this.remember(message, idempotencyKey);

    const finalStatus = finalStatusOf(behaviour);
    this.logger.debug(
      `${type} message ${message.id} accepted for ${maskPhone(phone)} (sequence ${sequenceId ?? '-'}); ` +
        (finalStatus
          ? `report ${finalStatus} in ${this.config.REPORT_DELAY_MS} ms`
          : 'no report will follow'),
    );
    if (finalStatus) this.scheduleReport(message.id, finalStatus);
    return {
      phone: recipient,
      message_id: message.id,
      response_code: TurboSmsCode.OK,
      response_status: 'OK',
    };
  }

  /**
   * Keeps the newest MAX_MESSAGES messages (and their idempotency keys): a long run must not grow the
   * simulator without bound. Maps iterate in insertion order, so the first entry is the oldest.
   */
  private remember(message: SimulatedMessage, idempotencyKey: string | undefined): void {
    this.messages.set(message.id, message);
    if (idempotencyKey) this.idsBySequence.set(idempotencyKey, message.id);
    while (this.messages.size > this.config.MAX_MESSAGES) {
      const [oldest] = this.messages.values();
      this.messages.delete(oldest.id);
      if (oldest.sequenceId !== null)
        this.idsBySequence.delete(`${oldest.type}:${oldest.sequenceId}:${oldest.phone}`);
    }
  }

  private scheduleReport(messageId: string, finalStatus: TurboSmsReportStatus): void {
    const timer = setTimeout(() => {
      this.reportTimers.delete(timer);
      const message = this.messages.get(messageId);
      if (!message) return; // reset in the meantime
      // status.json reflects the outcome at once, whether or not the webhook gets through.
      message.status = finalStatus;
      message.updatedAt = new Date().toISOString();
      void this.webhooks.push(
        {
          message_id: message.id,
          sequence_id: message.sequenceId,
          status: finalStatus,
          type: message.type,
          sent_at: message.sentAt,
          updated_at: message.updatedAt,
        },
        maskPhone(message.phone),
      );
    }, this.config.REPORT_DELAY_MS);
    this.reportTimers.add(timer);
  }

  private behaviourOf(recipient: string, type: TurboSmsMessageType): RecipientBehaviour {
    const phone = normalisePhone(recipient);
    return ((phone && this.behaviours.get(phone)) || DEFAULT_BEHAVIOURS)[type];
  }

  private clearReportTimers(): void {
    for (const timer of this.reportTimers) clearTimeout(timer);
    this.reportTimers.clear();
  }

  private async simulateLatency(): Promise<void> {
    // Unref'd, so a slow answer never holds the process open at shutdown.
    if (this.outage.latencyMs > 0) await delay(this.outage.latencyMs, undefined, { ref: false });
  }
}
