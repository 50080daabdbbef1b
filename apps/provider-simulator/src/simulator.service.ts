import { randomUUID, timingSafeEqual, createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { HttpException, HttpStatus, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import {
  SmscError,
  SmscStatus,
  type SmscBalanceAnswer,
  type SmscErrorAnswer,
  type SmscSendSuccess,
  type SmscStatusAnswer,
  type SmscStatusCode,
  TurboSmsCode,
  type TurboSmsBalanceResponse,
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
import { PROVIDERS, type ProviderName, type ProviderOutage, type ProviderView } from './providers';
import { ReportWebhookService } from './report-webhook.service';
import { SimulatorConfig } from './simulator.config';

/** One accepted message. The simulator plays the provider, so it keeps the full phone and text in memory. */
interface SimulatedMessage {
  provider: ProviderName;
  /** The provider's id: TurboSMS `message_id`, SMSC the client-assigned `id`. */
  id: string;
  phone: string;
  type: TurboSmsMessageType;
  text: string;
  /** TurboSMS `sequence_id` (our delivery id); SMSC has no such field. */
  sequenceId: string | null;
  /** TurboSMS status name, or the name of the SMSC status code. */
  status: string;
  smscStatus?: SmscStatusCode;
  sentAt: string;
  updatedAt: string;
}

/** What `GET /__control/messages` lists (architecture.md §7, §11.4). */
export interface ControlMessageView {
  id: string;
  phone: string;
  /** The contract's channel name (architecture.md §4), not the wire `type`. */
  channel: 'VIBER' | 'SMS';
  text: string;
  time: string;
  sequenceId: string | null;
  status: string;
  updatedAt: string;
  provider: ProviderName;
}

/** Something that says when the caller went away (the HTTP response). */
export interface ClosesOnDisconnect {
  once(event: 'close', listener: () => void): unknown;
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

type FinalOutcome = 'DELIVERED' | 'UNDELIVERED' | 'EXPIRED';

/** The report a behaviour produces after REPORT_DELAY_MS; none for NO_REPORT. */
function finalOutcomeOf(behaviour: RecipientBehaviour): FinalOutcome | undefined {
  if (behaviour === 'NO_REPORT') return undefined;
  if (behaviour === 'UNDELIVERED') return 'UNDELIVERED';
  if (behaviour === 'EXPIRED') return 'EXPIRED';
  return 'DELIVERED';
}

const TURBO_FINAL: Record<FinalOutcome, TurboSmsReportStatus> = {
  DELIVERED: 'Delivered',
  UNDELIVERED: 'Undelivered',
  EXPIRED: 'Expired',
};
const SMSC_FINAL: Record<FinalOutcome, SmscStatusCode> = {
  DELIVERED: SmscStatus.DELIVERED,
  UNDELIVERED: SmscStatus.UNDELIVERABLE,
  EXPIRED: SmscStatus.EXPIRED,
};
const SMSC_STATUS_NAMES = new Map<number, string>(
  Object.entries(SmscStatus).map(([name, code]) => [code, name]),
);

/** SMSC refuses an identical send, and more than five status requests for one message, within a minute. */
const SMSC_WINDOW_MS = 60_000;
const SMSC_STATUS_REQUESTS_PER_WINDOW = 5;
/** A TIMEOUT outage holds a call at most this long (a client gives up much sooner). */
const MAX_HANG_MS = 120_000;

/** SMSC's own `error` texts (informational; the sender reads `error_code` only). */
const SMSC_ERROR_TEXT: Record<number, string> = {
  [SmscError.PARAMETERS]: 'parameters error',
  [SmscError.INVALID_CREDENTIALS]: 'authorise error',
  [SmscError.INVALID_PHONE]: 'invalid number',
  [SmscError.CANNOT_DELIVER]: 'cannot deliver',
  [SmscError.TOO_FREQUENT]: 'duplicate request, wait a minute',
};

/**
 * In-memory providers (TurboSMS-style and SMSC.ua): per-recipient behaviours (for every SMS provider alike),
 * accepted messages, idempotency by sequence_id (TurboSMS), per-provider outages, scheduled delivery
 * reports. Logs mask phones and never contain texts (they carry verification codes).
 */
@Injectable()
export class SimulatorService implements OnModuleDestroy {
  private readonly logger = new Logger('ProviderSimulator');
  private readonly behaviours = new Map<string, RecipientBehaviours>();
  /** Every accepted message, in acceptance order, by an internal key. */
  private readonly messages = new Map<string, SimulatedMessage>();
  /** TurboSMS `message_id` → key. */
  private readonly turboById = new Map<string, string>();
  /** `${type}:${sequence_id}:${phone}` → TurboSMS message id: a resent request returns the same id. */
  private readonly idsBySequence = new Map<string, string>();
  /** `${id}:${phone}` → key of SMSC's latest message with that id for that phone. */
  private readonly smscByIdPhone = new Map<string, string>();
  private readonly smscRecentSends = new Map<string, number>();
  private readonly smscStatusAsks = new Map<string, number[]>();
  private readonly reportTimers = new Set<NodeJS.Timeout>();
  private readonly hangs = new Set<() => void>();
  private outage: OutageState = { ...NO_OUTAGE };
  private providerOutages: Record<ProviderName, ProviderOutage | null> = { turbosms: null, smsc: null };
  private smscCounter = 0;

  constructor(
    private readonly config: SimulatorConfig,
    private readonly webhooks: ReportWebhookService,
  ) {}

  // ---- TurboSMS-style API -------------------------------------------------------------------------------

  async send(request: SendRequestDto, caller: ClosesOnDisconnect): Promise<TurboSmsSendResponse> {
    await this.simulateLatency();
    const type: TurboSmsMessageType = request.viber ? 'viber' : 'sms';
    const failed =
      type === 'viber'
        ? { response_code: TurboSmsCode.FAILED_VIBER_SEND, response_status: 'FAILED_VIBER_SEND' }
        : { response_code: TurboSmsCode.FAILED_SMS_SEND, response_status: 'FAILED_SMS_SEND' };
    await this.providerGate('turbosms', caller, failed);
    const text = (request.viber ?? request.sms)!.text;

    // A channel outage, or ERROR_5XX for any recipient, fails the whole call before anything is recorded.
    const failing = request.recipients.find((recipient) => this.behaviourOf(recipient, type) === 'ERROR_5XX');
    if (this.outage[type] || failing !== undefined) {
      const why = this.outage[type] ? 'provider outage' : `ERROR_5XX for ${maskPhone(failing!)}`;
      this.logger.warn(`turbosms ${type} send answered HTTP 503 (${why})`);
      throw new HttpException(failed, HttpStatus.SERVICE_UNAVAILABLE);
    }

    return {
      response_code: TurboSmsCode.SUCCESS_MESSAGE_ACCEPTED,
      response_status: 'SUCCESS_MESSAGE_ACCEPTED',
      response_result: request.recipients.map((recipient) =>
        this.sendOne(recipient, type, text, request.sequence_id ?? null),
      ),
    };
  }

  async status(request: StatusRequestDto, caller: ClosesOnDisconnect): Promise<TurboSmsStatusResponse> {
    await this.simulateLatency();
    const fatal = { response_code: TurboSmsCode.FATAL_ERROR, response_status: 'FATAL_ERROR' };
    await this.providerGate('turbosms', caller, fatal);
    if (this.outage.viber && this.outage.sms) {
      this.logger.warn('turbosms status poll answered HTTP 503 (provider outage)');
      throw new HttpException(fatal, HttpStatus.SERVICE_UNAVAILABLE);
    }
    // Unknown ids are left out, as the port expects ("returns only the ids it knows").
    const known = [...new Set(request.messages)].flatMap((id) => {
      const key = this.turboById.get(id);
      return key ? [this.messages.get(key)!] : [];
    });
    return {
      response_code: TurboSmsCode.OK,
      response_status: 'OK',
      response_result: known.map((message) => ({
        message_id: message.id,
        recipient: message.phone.slice(1),
        status: message.status as TurboSmsMessageStatus,
        type: message.type,
        sequence_id: message.sequenceId,
        sent: message.sentAt,
        updated: message.updatedAt,
      })),
    };
  }

  async turboBalance(caller: ClosesOnDisconnect): Promise<TurboSmsBalanceResponse> {
    await this.simulateLatency();
    await this.providerGate('turbosms', caller, {
      response_code: TurboSmsCode.FATAL_ERROR,
      response_status: 'FATAL_ERROR',
    });
    return { response_code: TurboSmsCode.OK, response_status: 'OK', response_result: { balance: 1000 } };
  }

  // ---- SMSC.ua API ---------------------------------------------------------------------------------------

  /** `/sys/send.php` (fmt=3): one phone per call here. Every answer is HTTP 200 unless the provider is down. */
  async smscSend(
    params: Record<string, unknown>,
    caller: ClosesOnDisconnect,
  ): Promise<SmscSendSuccess | SmscErrorAnswer> {
    await this.simulateLatency();
    await this.providerGate('smsc', caller, {});
    const refused = this.smscAuthAndFormat(params);
    if (refused) return refused;
    const mes = param(params, 'mes');
    const rawPhones = param(params, 'phones');
    const rawId = param(params, 'id');
    if (!mes || mes.length > 1000 || !rawPhones || rawPhones.includes(',') || rawPhones.includes(';'))
      return smscError(SmscError.PARAMETERS);
    const id = rawId === undefined ? ++this.smscCounter : Number(rawId);
    if (!Number.isInteger(id) || id < 1 || id > 2_147_483_647) return smscError(SmscError.PARAMETERS);
    const phone = normalisePhone(rawPhones);
    if (!phone) return smscError(SmscError.INVALID_PHONE, id);
    if (this.outage.sms || this.behaviourOf(phone, 'sms') === 'ERROR_5XX') {
      this.logger.warn(
        `smsc send answered HTTP 503 (${this.outage.sms ? 'sms outage' : `ERROR_5XX for ${maskPhone(phone)}`})`,
      );
      throw new HttpException({}, HttpStatus.SERVICE_UNAVAILABLE);
    }
    // "More than one identical request within a minute": refused. After that, SMSC sends it again.
    const identical = `${phone}|${id}|${digest(mes)}`;
    const now = Date.now();
    if (now - (this.smscRecentSends.get(identical) ?? 0) < SMSC_WINDOW_MS) {
      this.logger.debug(
        `smsc send for ${maskPhone(phone)} id ${id} refused: identical request within a minute (9)`,
      );
      return smscError(SmscError.TOO_FREQUENT);
    }
    const behaviour = this.behaviourOf(phone, 'sms');
    if (behaviour === 'REJECTED') {
      this.logger.debug(`smsc sms to ${maskPhone(phone)} refused: cannot deliver (8)`);
      return smscError(SmscError.CANNOT_DELIVER, id);
    }
    this.smscRecentSends.set(identical, now);
    const key = `smsc:${randomUUID()}`;
    const at = new Date(now).toISOString();
    this.messages.set(key, {
      provider: 'smsc',
      id: String(id),
      phone,
      type: 'sms',
      text: mes,
      sequenceId: null,
      status: SMSC_STATUS_NAMES.get(SmscStatus.TRANSFERRED_TO_OPERATOR)!,
      smscStatus: SmscStatus.TRANSFERRED_TO_OPERATOR,
      sentAt: at,
      updatedAt: at,
    });
    this.smscByIdPhone.set(`${id}:${phone}`, key);
    this.forgetOldest();
    const outcome = finalOutcomeOf(behaviour);
    this.logger.debug(
      `smsc sms ${id} accepted for ${maskPhone(phone)}; ` +
        (outcome ? `status ${outcome} in ${this.config.REPORT_DELAY_MS} ms` : 'no report will follow'),
    );
    if (outcome) this.scheduleReport(key, outcome);
    return { id, cnt: 1 };
  }

  /** `/sys/status.php` (fmt=3, one message): by phone and id together. */
  async smscStatus(
    params: Record<string, unknown>,
    caller: ClosesOnDisconnect,
  ): Promise<SmscStatusAnswer | SmscErrorAnswer> {
    await this.simulateLatency();
    await this.providerGate('smsc', caller, {});
    const refused = this.smscAuthAndFormat(params);
    if (refused) return refused;
    const phone = normalisePhone(param(params, 'phone') ?? '');
    const id = Number(param(params, 'id'));
    if (!phone || !Number.isInteger(id)) return smscError(SmscError.PARAMETERS);
    const askKey = `${id}:${phone}`;
    const now = Date.now();
    const asks = (this.smscStatusAsks.get(askKey) ?? []).filter((at) => now - at < SMSC_WINDOW_MS);
    if (asks.length >= SMSC_STATUS_REQUESTS_PER_WINDOW) return smscError(SmscError.TOO_FREQUENT);
    this.smscStatusAsks.set(askKey, [...asks, now]);
    const key = this.smscByIdPhone.get(askKey);
    const message = key ? this.messages.get(key) : undefined;
    if (!message) return { status: SmscStatus.NOT_FOUND, last_date: '', last_timestamp: 0, err: 0 };
    const updated = new Date(message.updatedAt);
    return {
      status: message.smscStatus!,
      last_date: smscDate(updated),
      last_timestamp: Math.floor(updated.getTime() / 1000),
      err: 0,
    };
  }

  async smscBalance(
    params: Record<string, unknown>,
    caller: ClosesOnDisconnect,
  ): Promise<SmscBalanceAnswer | SmscErrorAnswer> {
    await this.simulateLatency();
    await this.providerGate('smsc', caller, {});
    return this.smscAuthAndFormat(params) ?? { balance: '1000.00' };
  }

  // ---- control -------------------------------------------------------------------------------------------

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

  provider(name: ProviderName): ProviderView {
    return { name, channels: PROVIDERS[name].channels, outage: this.providerOutages[name] };
  }

  setProviderOutage(name: ProviderName, outage: ProviderOutage | null): ProviderView {
    this.providerOutages = { ...this.providerOutages, [name]: outage };
    if (outage === null) this.releaseHangs();
    this.logger.warn(`provider ${name}: ${outage ?? 'back'}`);
    return this.provider(name);
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
        provider: message.provider,
      }));
  }

  /** Forgets behaviours, messages, idempotency keys and outages; pending reports are dropped, held calls answered. */
  reset(): void {
    this.clearReportTimers();
    this.webhooks.cancelAll();
    this.releaseHangs();
    this.behaviours.clear();
    this.messages.clear();
    this.turboById.clear();
    this.idsBySequence.clear();
    this.smscByIdPhone.clear();
    this.smscRecentSends.clear();
    this.smscStatusAsks.clear();
    this.outage = { ...NO_OUTAGE };
    this.providerOutages = { turbosms: null, smsc: null };
    this.logger.log('state reset');
  }

  onModuleDestroy(): void {
    this.clearReportTimers();
    this.releaseHangs();
  }

  // ---- internals -----------------------------------------------------------------------------------------

  private sendOne(
    recipient: string,
    type: TurboSmsMessageType,
    text: string,
    sequenceId: string | null,
  ): TurboSmsRecipientResult {
    const phone = normalisePhone(recipient);
    if (!phone) {
      this.logger.debug(`turbosms ${type} recipient rejected: INVALID_PHONE`);
      return { phone: recipient, message_id: null, ...INVALID_PHONE };
    }

    const idempotencyKey = sequenceId === null ? undefined : `${type}:${sequenceId}:${phone}`;
    const existing = idempotencyKey ? this.idsBySequence.get(idempotencyKey) : undefined;
    if (existing) {
      this.logger.debug(
        `turbosms ${type} resend of sequence ${sequenceId} for ${maskPhone(phone)}: same message ${existing}`,
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
      this.logger.debug(`turbosms ${type} to ${maskPhone(phone)} rejected: ${reject.response_status}`);
      return { phone: recipient, message_id: null, ...reject };
    }

    const now = new Date().toISOString();
    const id = randomUUID();
    this.messages.set(id, {
      provider: 'turbosms',
      id,
      phone,
      type,
      text,
      sequenceId,
      status: 'Accepted',
      sentAt: now,
      updatedAt: now,
    });
    this.turboById.set(id, id);
    if (idempotencyKey) this.idsBySequence.set(idempotencyKey, id);
    this.forgetOldest();

    const outcome = finalOutcomeOf(behaviour);
    this.logger.debug(
      `turbosms ${type} message ${id} accepted for ${maskPhone(phone)} (sequence ${sequenceId ?? '-'}); ` +
        (outcome
          ? `report ${TURBO_FINAL[outcome]} in ${this.config.REPORT_DELAY_MS} ms`
          : 'no report will follow'),
    );
    if (outcome) this.scheduleReport(id, outcome);
    return { phone: recipient, message_id: id, response_code: TurboSmsCode.OK, response_status: 'OK' };
  }

  /**
   * Keeps the newest MAX_MESSAGES messages (and their lookup keys): a long run must not grow the simulator
   * without bound. Maps iterate in insertion order, so the first entry is the oldest.
   */
  private forgetOldest(): void {
    while (this.messages.size > this.config.MAX_MESSAGES) {
      const [[key, oldest]] = this.messages;
      this.messages.delete(key);
      if (oldest.provider === 'turbosms') {
        this.turboById.delete(oldest.id);
        if (oldest.sequenceId !== null)
          this.idsBySequence.delete(`${oldest.type}:${oldest.sequenceId}:${oldest.phone}`);
      } else if (this.smscByIdPhone.get(`${oldest.id}:${oldest.phone}`) === key) {
        this.smscByIdPhone.delete(`${oldest.id}:${oldest.phone}`);
      }
    }
    // "Identical request within a minute" needs a minute of memory, not more.
    if (this.smscRecentSends.size > this.config.MAX_MESSAGES) {
      const cutoff = Date.now() - SMSC_WINDOW_MS;
      for (const [identical, at] of this.smscRecentSends)
        if (at < cutoff) this.smscRecentSends.delete(identical);
    }
  }

  private scheduleReport(key: string, outcome: FinalOutcome): void {
    const timer = setTimeout(() => {
      this.reportTimers.delete(timer);
      const message = this.messages.get(key);
      if (!message) return; // reset in the meantime
      // The status call reflects the outcome at once, whether or not the callback gets through.
      message.updatedAt = new Date().toISOString();
      if (message.provider === 'smsc') {
        message.smscStatus = SMSC_FINAL[outcome];
        message.status = SMSC_STATUS_NAMES.get(message.smscStatus)!;
        void this.webhooks.pushSmsc(
          {
            id: message.id,
            phone: message.phone,
            status: String(message.smscStatus),
            ts: String(Math.floor(Date.parse(message.updatedAt) / 1000)),
            err: '0',
          },
          maskPhone(message.phone),
        );
        return;
      }
      message.status = TURBO_FINAL[outcome];
      void this.webhooks.push(
        {
          message_id: message.id,
          sequence_id: message.sequenceId,
          status: TURBO_FINAL[outcome],
          type: message.type,
          sent_at: message.sentAt,
          updated_at: message.updatedAt,
        },
        maskPhone(message.phone),
      );
    }, this.config.REPORT_DELAY_MS);
    this.reportTimers.add(timer);
  }

  /** A provider in outage answers 503 (ERROR_5XX) or never answers (TIMEOUT, until the caller gives up). */
  private async providerGate(name: ProviderName, caller: ClosesOnDisconnect, body: object): Promise<void> {
    const outage = this.providerOutages[name];
    if (outage === 'ERROR_5XX') {
      this.logger.warn(`${name} answered HTTP 503 (provider down)`);
      throw new HttpException(body, HttpStatus.SERVICE_UNAVAILABLE);
    }
    if (outage === 'TIMEOUT') {
      this.logger.warn(`${name} holds the call without answering (provider hanging)`);
      await new Promise<void>((resolve) => {
        const release = () => {
          clearTimeout(timer);
          this.hangs.delete(release);
          resolve();
        };
        const timer = setTimeout(release, MAX_HANG_MS);
        caller.once('close', release);
        this.hangs.add(release);
      });
      throw new HttpException(body, HttpStatus.GATEWAY_TIMEOUT);
    }
  }

  /** Answers SMSC's error for a wrong account or a format other than JSON; undefined when fine. */
  private smscAuthAndFormat(params: Record<string, unknown>): SmscErrorAnswer | undefined {
    const login = param(params, 'login') ?? '';
    const psw = param(params, 'psw') ?? '';
    if (!(sameSecret(login, this.config.SMSC_LOGIN) && sameSecret(psw, this.config.SMSC_PASSWORD))) {
      this.logger.warn('smsc call refused: authorise error (2)');
      return smscError(SmscError.INVALID_CREDENTIALS);
    }
    // The simulator speaks JSON only (fmt=3); SMSC's other formats are plain text and XML.
    if (param(params, 'fmt') !== '3') return smscError(SmscError.PARAMETERS);
    return undefined;
  }

  private behaviourOf(recipient: string, type: TurboSmsMessageType): RecipientBehaviour {
    const phone = normalisePhone(recipient);
    return ((phone && this.behaviours.get(phone)) || DEFAULT_BEHAVIOURS)[type];
  }

  private releaseHangs(): void {
    for (const release of [...this.hangs]) release();
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

function param(params: Record<string, unknown>, name: string): string | undefined {
  const value = params[name];
  return typeof value === 'string' ? value : undefined;
}

function smscError(code: number, id?: number): SmscErrorAnswer {
  return { error: SMSC_ERROR_TEXT[code] ?? 'error', error_code: code, ...(id === undefined ? {} : { id }) };
}

function digest(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** SMSC's `last_date`: `DD.MM.YYYY hh:mm:ss` (UTC here). */
function smscDate(at: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(at.getUTCDate())}.${pad(at.getUTCMonth() + 1)}.${at.getUTCFullYear()} ${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())}`;
}
