import { randomUUID } from 'node:crypto';

/**
 * What happened to one delivery at one provider. PENDING is written before the call (write-ahead), so a
 * crash in the middle of it leaves the doubt on record.
 */
export type ProviderAttemptOutcome =
  | 'PENDING'
  /** The provider took the message (or already had it). */
  | 'ACCEPTED'
  /** The provider refused this message for this recipient: definitive, nothing was sent. */
  | 'REJECTED'
  /** The provider certainly did not take it (503, refused connection, its own failure code, a 4xx). */
  | 'NOT_SENT'
  /** The call failed in a way that may have come after the provider took it (time-out, 500, cut off). */
  | 'IN_DOUBT'
  /** Not tried: the provider was out (the reason says why). */
  | 'SKIPPED';

export type SettledOutcome = Exclude<ProviderAttemptOutcome, 'PENDING' | 'SKIPPED'>;

/** Outcomes after which the provider may hold the message: the delivery must stay with that provider. */
export const HOLDING: ReadonlySet<ProviderAttemptOutcome> = new Set(['PENDING', 'ACCEPTED', 'IN_DOUBT']);

export interface ProviderAttempt {
  deliveryId: string;
  provider: string;
  outcome: ProviderAttemptOutcome;
  /** A code: the provider's error, or why it was skipped. Never a phone or a text. */
  reason: string | null;
  /** Namespaced (`<provider>:<id>`) when accepted. */
  providerMessageId: string | null;
  at: Date;
}

/**
 * The delivery's history across providers, and the record that keeps "never sent twice" across retries,
 * restarts and replicas: a delivery whose message a provider may hold is only ever resent to that provider
 * (with the same idempotency key), never to another.
 */
export interface ProviderAttemptJournal {
  /** Providers that may hold the delivery's message (an attempt PENDING, ACCEPTED or IN_DOUBT), earliest first. */
  holders(deliveryId: string): Promise<string[]>;
  /** Records the attempt before the provider is called; returns its id. */
  begin(deliveryId: string, provider: string): Promise<string>;
  settle(
    attemptId: string,
    outcome: SettledOutcome,
    reason?: string | null,
    providerMessageId?: string | null,
  ): Promise<void>;
  /** Records that a provider was passed over, and why. */
  skipped(deliveryId: string, provider: string, reason: string): Promise<void>;
}

/** In-memory journal for unit tests (and a single process that accepts losing the record on restart). */
export class InMemoryAttemptJournal implements ProviderAttemptJournal {
  readonly attempts = new Map<string, ProviderAttempt>();

  async holders(deliveryId: string): Promise<string[]> {
    const providers = [...this.attempts.values()]
      .filter((attempt) => attempt.deliveryId === deliveryId && HOLDING.has(attempt.outcome))
      .map((attempt) => attempt.provider);
    return [...new Set(providers)];
  }

  async begin(deliveryId: string, provider: string): Promise<string> {
    const id = randomUUID();
    this.attempts.set(id, {
      deliveryId,
      provider,
      outcome: 'PENDING',
      reason: null,
      providerMessageId: null,
      at: new Date(),
    });
    return id;
  }

  async settle(
    attemptId: string,
    outcome: SettledOutcome,
    reason: string | null = null,
    providerMessageId: string | null = null,
  ): Promise<void> {
    const attempt = this.attempts.get(attemptId);
    if (attempt) this.attempts.set(attemptId, { ...attempt, outcome, reason, providerMessageId });
  }

  async skipped(deliveryId: string, provider: string, reason: string): Promise<void> {
    this.attempts.set(randomUUID(), {
      deliveryId,
      provider,
      outcome: 'SKIPPED',
      reason,
      providerMessageId: null,
      at: new Date(),
    });
  }

  history(deliveryId: string): ProviderAttempt[] {
    return [...this.attempts.values()].filter((attempt) => attempt.deliveryId === deliveryId);
  }
}
