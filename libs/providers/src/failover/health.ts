import type { UnavailableKind } from '../channel-gateway';

/** Why a provider was taken out (the metric label and the history's reason). */
export type OutReason =
  | 'ERROR_5XX'
  | 'TIMEOUT'
  | 'UNREACHABLE'
  | 'RATE_LIMITED'
  | 'PROVIDER_ERROR'
  | 'INVALID_RESPONSE'
  | 'MISSING_REPORTS';

export const OUT_REASON: Record<UnavailableKind, OutReason> = {
  HTTP_5XX: 'ERROR_5XX',
  TIMEOUT: 'TIMEOUT',
  CONNECTION: 'UNREACHABLE',
  RATE_LIMITED: 'RATE_LIMITED',
  PROVIDER_ERROR: 'PROVIDER_ERROR',
  INVALID_RESPONSE: 'INVALID_RESPONSE',
};

export interface HealthOptions {
  /** Consecutive failed calls that take a provider out. */
  failureThreshold: number;
  /** First pause before a probe; doubled after each failed probe, up to `maxCooldownMs`. */
  cooldownMs: number;
  maxCooldownMs: number;
}

export type HealthChange =
  { kind: 'OUT'; provider: string; reason: OutReason } | { kind: 'BACK'; provider: string; after: OutReason };

/**
 * A circuit breaker for one provider. UP takes traffic; OUT does not, until `retryAt`, when one probe (a
 * call that sends nothing) is let through: success brings it back, failure doubles the pause.
 */
export class ProviderHealth {
  private consecutiveFailures = 0;
  private state:
    { up: true } | { up: false; reason: OutReason; since: number; retryAt: number; cooldownMs: number } = {
    up: true,
  };
  private probing = false;

  constructor(
    readonly provider: string,
    private readonly options: HealthOptions,
    private readonly onChange: (change: HealthChange) => void,
  ) {}

  get isUp(): boolean {
    return this.state.up;
  }

  get outReason(): OutReason | undefined {
    return this.state.up ? undefined : this.state.reason;
  }

  /** When it may be probed (OUT), for ordering last-resort trials; 0 when UP. */
  get retryAt(): number {
    return this.state.up ? 0 : this.state.retryAt;
  }

  /** OUT, its pause over, and no probe running: the caller should probe it now. */
  probeDue(now = Date.now()): boolean {
    return !this.state.up && !this.probing && now >= this.state.retryAt;
  }

  /** The provider answered (accepted, or refused this one message): it works. */
  succeeded(): void {
    this.consecutiveFailures = 0;
    if (!this.state.up) this.back();
  }

  failed(kind: UnavailableKind, now = Date.now()): void {
    this.consecutiveFailures++;
    if (this.state.up && this.consecutiveFailures >= this.options.failureThreshold)
      this.takeOut(OUT_REASON[kind], now);
  }

  /** Reports stopped coming: out at once. */
  reportsMissing(now = Date.now()): void {
    if (this.state.up) this.takeOut('MISSING_REPORTS', now);
  }

  async probe(run: () => Promise<void>, now = Date.now()): Promise<void> {
    if (!this.probeDue(now)) return;
    this.probing = true;
    try {
      await run();
      this.consecutiveFailures = 0;
      if (!this.state.up) this.back();
    } catch {
      if (!this.state.up) {
        const cooldownMs = Math.min(this.options.maxCooldownMs, this.state.cooldownMs * 2);
        this.state = { ...this.state, cooldownMs, retryAt: Date.now() + cooldownMs };
      }
    } finally {
      this.probing = false;
    }
  }

  private takeOut(reason: OutReason, now: number): void {
    this.state = {
      up: false,
      reason,
      since: now,
      cooldownMs: this.options.cooldownMs,
      retryAt: now + this.options.cooldownMs,
    };
    this.onChange({ kind: 'OUT', provider: this.provider, reason });
  }

  private back(): void {
    const after = this.state.up ? 'PROVIDER_ERROR' : this.state.reason;
    this.state = { up: true };
    this.consecutiveFailures = 0;
    this.onChange({ kind: 'BACK', provider: this.provider, after });
  }
}

export interface MissingReportOptions {
  /** A message without a decisive report this long after acceptance counts as missing. */
  silenceMs: number;
  /** At least this many missing... */
  minMissing: number;
  /** ...and at least this share of the messages whose report was due. */
  minShare: number;
}

/**
 * Watches, per provider, whether accepted messages get a decisive report (by webhook or poll). A provider
 * that stops reporting is as useless for SMS as one that refuses: its messages end NO_REPORT_IN_TIME.
 */
export class ReportWatch {
  private readonly pending = new Map<string, { provider: string; at: number }>();
  private readonly outcomes = new Map<string, { reported: number[]; missing: number[] }>();

  constructor(private readonly options: MissingReportOptions) {}

  accepted(providerMessageId: string, provider: string, now = Date.now()): void {
    if (this.pending.size >= 100_000) this.pending.delete(this.pending.keys().next().value as string);
    this.pending.set(providerMessageId, { provider, at: now });
  }

  reported(providerMessageId: string, now = Date.now()): void {
    const entry = this.pending.get(providerMessageId);
    if (!entry) return;
    this.pending.delete(providerMessageId);
    this.bucket(entry.provider).reported.push(now);
  }

  /** Providers whose reports went missing since the last call, by the options' rule. */
  silentProviders(now = Date.now()): string[] {
    for (const [id, entry] of this.pending) {
      if (now - entry.at < this.options.silenceMs) continue;
      this.pending.delete(id);
      this.bucket(entry.provider).missing.push(now);
    }
    const silent: string[] = [];
    const window = now - 2 * this.options.silenceMs;
    for (const [provider, bucket] of this.outcomes) {
      bucket.reported = bucket.reported.filter((at) => at >= window);
      bucket.missing = bucket.missing.filter((at) => at >= window);
      const due = bucket.reported.length + bucket.missing.length;
      if (
        bucket.missing.length >= this.options.minMissing &&
        bucket.missing.length / due >= this.options.minShare
      ) {
        silent.push(provider);
        bucket.missing = [];
        bucket.reported = [];
      }
    }
    return silent;
  }

  /** A provider taken out or brought back starts a fresh count. */
  forget(provider: string): void {
    for (const [id, entry] of this.pending) if (entry.provider === provider) this.pending.delete(id);
    this.outcomes.delete(provider);
  }

  private bucket(provider: string) {
    let bucket = this.outcomes.get(provider);
    if (!bucket) this.outcomes.set(provider, (bucket = { reported: [], missing: [] }));
    return bucket;
  }
}
