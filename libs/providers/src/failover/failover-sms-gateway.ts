import type { AppMetrics } from '@app/platform';
import type { Logger } from 'pino';
import {
  ProviderPermanentError,
  ProviderUnavailableError,
  type ChannelGateway,
  type DeliveryReport,
  type OutgoingMessage,
  type SendResult,
  type UnavailableKind,
} from '../channel-gateway';
import type { ProviderAttemptJournal, SettledOutcome } from './attempt-journal';
import {
  ProviderHealth,
  ReportWatch,
  type HealthChange,
  type HealthOptions,
  type MissingReportOptions,
} from './health';
import { providerOrder, type WeightedProvider } from './routing';
import type { CallbackReport, SmsProviderAdapter } from './sms-provider';

export interface FailoverSmsOptions {
  /** `SMS_PROVIDERS`, parsed: names and weights, in the configured order. */
  providers: readonly WeightedProvider[];
  /** One adapter per configured name. */
  adapters: readonly SmsProviderAdapter[];
  journal: ProviderAttemptJournal;
  health?: Partial<HealthOptions>;
  reports?: Partial<MissingReportOptions>;
  /**
   * Provider message ids stored before they were namespaced (`<provider>:<id>`) are this provider's; its
   * webhook reports are then also applied under the bare id. Default: `turbosms`.
   */
  legacyProvider?: string;
  /**
   * Where reports are counted across every replica (the database). Without it, this process counts the
   * reports it sees itself, which is right for one replica only: with several, a webhook may reach another.
   */
  reportStats?: SmsReportStats;
  logger?: Logger;
  metrics?: AppMetrics;
}

/** Reports due, across all replicas: messages a provider accepted since `since` and at least `silenceMs` ago. */
export interface SmsReportStats {
  dueReports(provider: string, since: Date, silenceMs: number): Promise<{ due: number; missing: number }>;
}

/** The attempt record could not be read or written: nothing was sent, and no provider is to blame. */
export class AttemptJournalUnavailableError extends ProviderUnavailableError {
  constructor() {
    super('ATTEMPT_JOURNAL_UNAVAILABLE', { kind: 'PROVIDER_ERROR', mayHaveSent: false });
    this.name = 'AttemptJournalUnavailableError';
  }
}

const DEFAULT_HEALTH: HealthOptions = { failureThreshold: 2, cooldownMs: 10_000, maxCooldownMs: 300_000 };
const DEFAULT_REPORTS: MissingReportOptions = { silenceMs: 120_000, minMissing: 5, minShare: 0.5 };
/** Poll failures that say the provider is in trouble (a rate limit on status calls does not). */
const POLL_FAILURES: ReadonlySet<UnavailableKind> = new Set(['TIMEOUT', 'HTTP_5XX', 'CONNECTION']);

/**
 * Several SMS aggregators behind the one SMS port (docs/decisions/0004-sms-provider-failover.md).
 *
 * - Routing: each delivery starts at a provider picked by weight from its delivery id, then tries the
 *   others by weight. Provider message ids are namespaced (`turbosms:<id>`, `smsc:<id>`), so the engine
 *   stores them unchanged and reports and polls find their way back to the provider.
 * - Health: a provider is taken out after consecutive 5xx answers or time-outs, or when its reports stop
 *   coming, and brought back by a probe that sends nothing (its balance call), with a growing pause.
 * - Never twice: every attempt is written to the journal before the provider is called. A delivery whose
 *   message a provider may hold (accepted, or a failure that may have come after acceptance: a time-out, a
 *   500) is only ever resent to that provider, with the same idempotency key (or after a lookup, where the
 *   provider does not deduplicate); only a failure that certainly sent nothing (503, 429, refused
 *   connection, the provider's own failure code) moves the message to the next provider, in the same call.
 */
export class FailoverSmsGateway implements ChannelGateway {
  readonly channel = 'SMS' as const;
  private readonly providers: readonly WeightedProvider[];
  private readonly adapters = new Map<string, SmsProviderAdapter>();
  private readonly health = new Map<string, ProviderHealth>();
  private readonly watch: ReportWatch;
  private readonly reportOptions: MissingReportOptions;
  private readonly reportStats?: SmsReportStats;
  /** Per provider: reports of messages accepted before this (its last change) do not count. */
  private readonly countingSince = new Map<string, number>();
  private lastStatsCheck = 0;
  private statsRunning = false;
  private readonly journal: ProviderAttemptJournal;
  private readonly legacyProvider: string;
  private readonly logger?: Logger;
  private readonly metrics?: AppMetrics;
  private lastMaintenance = 0;
  private readonly maintenanceTimer: NodeJS.Timeout;

  constructor(options: FailoverSmsOptions) {
    this.providers = options.providers;
    this.journal = options.journal;
    this.logger = options.logger;
    this.metrics = options.metrics;
    for (const adapter of options.adapters) this.adapters.set(adapter.name, adapter);
    const missing = this.providers.filter((p) => !this.adapters.has(p.name)).map((p) => p.name);
    if (missing.length > 0) throw new Error(`FailoverSmsGateway: no adapter for ${missing.join(', ')}`);
    const healthOptions = { ...DEFAULT_HEALTH, ...options.health };
    for (const { name } of this.providers) {
      this.health.set(name, new ProviderHealth(name, healthOptions, (change) => this.changed(change)));
      this.metrics?.smsProviderUp.set({ provider: name }, 1);
    }
    this.reportOptions = { ...DEFAULT_REPORTS, ...options.reports };
    this.watch = new ReportWatch(this.reportOptions);
    this.reportStats = options.reportStats;
    this.legacyProvider = options.legacyProvider ?? 'turbosms';
    // Probes must run without traffic too, or a provider taken out in a quiet hour would stay out.
    this.maintenanceTimer = setInterval(() => this.maintain(), 1000).unref();
  }

  /** Nest calls this on shutdown (the timer is unref'd, so it never holds the process either way). */
  onApplicationShutdown(): void {
    clearInterval(this.maintenanceTimer);
  }

  async send(message: OutgoingMessage): Promise<SendResult> {
    this.maintain();
    const holders = await this.journaled(() => this.journal.holders(message.deliveryId));
    if (holders.length > 0) {
      // Some provider may have this message already: only that one may get it (again).
      const holder = holders.find((name) => this.adapters.has(name));
      if (!holder)
        throw new ProviderUnavailableError('HOLDING_PROVIDER_NOT_CONFIGURED', { mayHaveSent: true });
      return this.attempt(holder, message, true);
    }

    const order = providerOrder(message.deliveryId, this.providers);
    const up = order.filter((name) => this.healthOf(name).isUp);
    // Everything out: try the one due back soonest anyway, rather than not trying at all (as with one provider).
    const candidates =
      up.length > 0
        ? up
        : [[...order].sort((a, b) => this.healthOf(a).retryAt - this.healthOf(b).retryAt)[0]];
    for (const name of order) {
      if (candidates.includes(name)) continue;
      await this.journal
        .skipped(message.deliveryId, name, `OUT_${this.healthOf(name).outReason}`)
        .catch(() => undefined);
      this.metrics?.smsProviderAttempts.inc({ provider: name, outcome: 'SKIPPED' });
    }
    if (candidates[0] !== order[0])
      this.failover(order[0], candidates[0], `OUT_${this.healthOf(order[0]).outReason ?? 'UNKNOWN'}`);

    for (const [index, name] of candidates.entries()) {
      try {
        return await this.attempt(name, message, false);
      } catch (error) {
        const next = candidates[index + 1];
        if (!next || !certainlyNotSent(error)) throw error;
        this.failover(name, next, errorCode(error));
      }
    }
    throw new ProviderUnavailableError('NO_SMS_PROVIDER', { mayHaveSent: false }); // unreachable: candidates ≥ 1
  }

  async fetchReports(providerMessageIds: string[]): Promise<DeliveryReport[]> {
    this.maintain();
    const groups = new Map<string, { raw: string; asked: string }[]>();
    for (const asked of providerMessageIds) {
      const { provider, raw } = this.split(asked);
      if (!this.adapters.has(provider)) continue;
      groups.set(provider, [...(groups.get(provider) ?? []), { raw, asked }]);
    }
    let failure: unknown;
    const results = await Promise.all(
      [...groups].map(async ([provider, ids]) => {
        try {
          const askedFor = new Map<string, string[]>();
          for (const { raw, asked } of ids) askedFor.set(raw, [...(askedFor.get(raw) ?? []), asked]);
          const reports = await this.adapters.get(provider)!.fetchReports([...askedFor.keys()]);
          return reports.flatMap((report) => {
            if (report.outcome !== 'PENDING')
              this.watch.reported(this.namespaced(provider, report.providerMessageId));
            // Answered under each id it was asked by (namespaced, or bare for a legacy row).
            return (askedFor.get(report.providerMessageId) ?? []).map((asked) => ({
              ...report,
              providerMessageId: asked,
            }));
          });
        } catch (error) {
          if (error instanceof ProviderUnavailableError) {
            if (POLL_FAILURES.has(error.kind)) this.healthOf(provider).failed(error.kind);
            failure ??= error;
          } else {
            this.logger?.warn({ provider, err: error }, 'SMS status poll failed');
          }
          return [];
        }
      }),
    );
    const reports = results.flat();
    if (reports.length === 0 && failure !== undefined) throw failure;
    return reports;
  }

  /**
   * A report from a provider's callback (webhook), as the engine matches it: our namespaced id, and our
   * delivery id when the provider's own id is not enough. For the legacy provider the bare id comes too,
   * for messages sent before ids were namespaced. Empty when the report is not ours.
   */
  async fromCallback(provider: string, report: CallbackReport): Promise<DeliveryReport[]> {
    const adapter = this.adapters.get(provider);
    if (!adapter) return [];
    const resolved: DeliveryReport | undefined = adapter.resolveCallback
      ? await adapter.resolveCallback(report)
      : {
          providerMessageId: report.providerMessageId,
          outcome: report.outcome,
          deliveryId: report.deliveryId,
        };
    if (!resolved) return [];
    const id = this.namespaced(provider, resolved.providerMessageId);
    if (resolved.outcome !== 'PENDING') this.watch.reported(id);
    const ours = {
      providerMessageId: id,
      outcome: resolved.outcome,
      deliveryId: resolved.deliveryId ?? null,
    };
    return provider === this.legacyProvider
      ? [ours, { ...ours, providerMessageId: resolved.providerMessageId }]
      : [ours];
  }

  /** Each provider's weight and whether it takes traffic (for logs, tests and the support view). */
  state(): { name: string; weight: number; up: boolean; outReason?: string }[] {
    return this.providers.map(({ name, weight }) => {
      const health = this.healthOf(name);
      return { name, weight, up: health.isUp, ...(health.outReason ? { outReason: health.outReason } : {}) };
    });
  }

  /** Provider name of a namespaced id (unprefixed ids are the legacy provider's). */
  providerOf(providerMessageId: string): string {
    return this.split(providerMessageId).provider;
  }

  /** One provider call, written to the journal before and after. `resend`: the provider may have it already. */
  private async attempt(name: string, message: OutgoingMessage, resend: boolean): Promise<SendResult> {
    const adapter = this.adapters.get(name)!;
    const health = this.healthOf(name);
    if (resend && !adapter.dedupesResends && adapter.findSent) {
      let found: SendResult | undefined;
      try {
        found = await adapter.findSent(message);
      } catch (error) {
        if (error instanceof ProviderUnavailableError) health.failed(error.kind);
        throw error;
      }
      if (found?.kind === 'ACCEPTED') {
        const attemptId = await this.journaled(() => this.journal.begin(message.deliveryId, name));
        return this.accepted(name, attemptId, found.providerMessageId, 'FOUND_AT_PROVIDER');
      }
    }
    const attemptId = await this.journaled(() => this.journal.begin(message.deliveryId, name));
    let result: SendResult;
    try {
      result = await adapter.send(message);
    } catch (error) {
      const outcome: SettledOutcome = certainlyNotSent(error) ? 'NOT_SENT' : 'IN_DOUBT';
      await this.settle(attemptId, outcome, errorCode(error));
      this.metrics?.smsProviderAttempts.inc({ provider: name, outcome });
      if (error instanceof ProviderUnavailableError) health.failed(error.kind);
      if (outcome === 'IN_DOUBT')
        this.logger?.warn(
          { provider: name, deliveryId: message.deliveryId, code: errorCode(error) },
          'SMS provider call failed after the request went out: the delivery stays with this provider',
        );
      throw error;
    }
    if (result.kind === 'ACCEPTED') return this.accepted(name, attemptId, result.providerMessageId, null);
    health.succeeded();
    await this.settle(attemptId, 'REJECTED', result.reason);
    this.metrics?.smsProviderAttempts.inc({ provider: name, outcome: 'REJECTED' });
    return result;
  }

  private async accepted(
    name: string,
    attemptId: string,
    rawId: string,
    reason: string | null,
  ): Promise<SendResult> {
    const providerMessageId = this.namespaced(name, rawId);
    this.healthOf(name).succeeded();
    this.watch.accepted(providerMessageId, name);
    await this.settle(attemptId, 'ACCEPTED', reason, providerMessageId);
    this.metrics?.smsProviderAttempts.inc({ provider: name, outcome: 'ACCEPTED' });
    return { kind: 'ACCEPTED', providerMessageId };
  }

  /** A settle that fails leaves the attempt PENDING: a later attempt then stays with this provider (safe). */
  private async settle(
    attemptId: string,
    outcome: SettledOutcome,
    reason: string | null,
    providerMessageId: string | null = null,
  ): Promise<void> {
    try {
      await this.journal.settle(attemptId, outcome, reason, providerMessageId);
    } catch (error) {
      this.logger?.warn({ err: error, outcome }, 'SMS attempt record not updated; it stays PENDING');
    }
  }

  private async journaled<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      this.logger?.warn({ err: error }, 'SMS attempt journal unavailable');
      throw new AttemptJournalUnavailableError();
    }
  }

  /** At most once a second: reports gone silent take their provider out; providers due a probe get one. */
  private maintain(now = Date.now()): void {
    if (now - this.lastMaintenance < 1000) return;
    this.lastMaintenance = now;
    if (this.reportStats) this.checkReportStats(now);
    else for (const provider of this.watch.silentProviders(now)) this.healthOf(provider).reportsMissing(now);
    for (const [name, health] of this.health) {
      if (!health.probeDue(now)) continue;
      void health.probe(() => this.adapters.get(name)!.probe(), now);
    }
  }

  /** Every few seconds, in the background: providers whose due reports are mostly missing are taken out. */
  private checkReportStats(now: number): void {
    const { silenceMs, minMissing, minShare } = this.reportOptions;
    if (this.statsRunning || now - this.lastStatsCheck < Math.min(15_000, Math.max(1000, silenceMs / 4)))
      return;
    this.lastStatsCheck = now;
    this.statsRunning = true;
    const check = async () => {
      for (const { name } of this.providers) {
        const health = this.healthOf(name);
        if (!health.isUp) continue;
        const since = new Date(Math.max(now - 2 * silenceMs, this.countingSince.get(name) ?? 0));
        const { due, missing } = await this.reportStats!.dueReports(name, since, silenceMs);
        if (missing >= minMissing && missing / due >= minShare) health.reportsMissing(Date.now());
      }
    };
    check()
      .catch((error: unknown) => this.logger?.warn({ err: error }, 'SMS report statistics unavailable'))
      .finally(() => (this.statsRunning = false));
  }

  private changed(change: HealthChange): void {
    this.watch.forget(change.provider);
    this.countingSince.set(change.provider, Date.now());
    const reason = change.kind === 'OUT' ? change.reason : change.after;
    this.metrics?.smsProviderChanges.inc({ provider: change.provider, change: change.kind, reason });
    this.metrics?.smsProviderUp.set({ provider: change.provider }, change.kind === 'OUT' ? 0 : 1);
    if (change.kind === 'OUT')
      this.logger?.warn(
        { provider: change.provider, reason },
        `SMS provider ${change.provider} taken out (${reason})`,
      );
    else
      this.logger?.info({ provider: change.provider, after: reason }, `SMS provider ${change.provider} back`);
  }

  private failover(from: string, to: string, reason: string): void {
    this.metrics?.smsFailovers.inc({ from, to, reason });
    this.logger?.info({ from, to, reason }, 'SMS goes on to the next provider');
  }

  private healthOf(name: string): ProviderHealth {
    return this.health.get(name)!;
  }

  private namespaced(provider: string, raw: string): string {
    return `${provider}:${raw}`;
  }

  private split(id: string): { provider: string; raw: string } {
    const colon = id.indexOf(':');
    const prefix = colon > 0 ? id.slice(0, colon) : '';
    return this.adapters.has(prefix)
      ? { provider: prefix, raw: id.slice(colon + 1) }
      : { provider: this.legacyProvider, raw: id };
  }
}

/** A failure after which the provider certainly does not have the message, so another may send it. */
function certainlyNotSent(error: unknown): boolean {
  if (error instanceof AttemptJournalUnavailableError) return false; // not the provider's failure: stop here
  if (error instanceof ProviderUnavailableError) return !error.mayHaveSent;
  return error instanceof ProviderPermanentError;
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && /^[A-Z0-9_]{1,64}$/.test(code) ? code : 'UNEXPECTED_ERROR';
}

export function isFailoverSmsGateway(gateway: unknown): gateway is FailoverSmsGateway {
  return gateway instanceof FailoverSmsGateway;
}
