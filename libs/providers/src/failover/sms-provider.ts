import type { ChannelGateway, DeliveryReport, OutgoingMessage, SendResult } from '../channel-gateway';

/** A delivery report as a provider's callback gives it, before our ids are filled in. */
export interface CallbackReport extends DeliveryReport {
  /** The recipient the callback names (full phone): only to tell our messages apart, never kept. */
  recipient?: string;
}

/** One SMS aggregator behind the failover router. Vendor calls stay inside the implementation. */
export interface SmsProviderAdapter extends ChannelGateway {
  readonly channel: 'SMS';
  /** Namespace of this provider's message ids (`<name>:<id>`), and its label in metrics and history. */
  readonly name: string;
  /**
   * True when a resend with the same delivery id can never make a second message (TurboSMS answers a known
   * `sequence_id` with the same message). When false, the router asks `findSent` before resending a message
   * this provider may already have.
   */
  readonly dedupesResends: boolean;
  /** ACCEPTED (with its id) when the provider already has this delivery's message, undefined when it has not. */
  findSent?(message: OutgoingMessage): Promise<SendResult | undefined>;
  /** A call that sends nothing (the balance), for the half-open health probe. Throws when unhealthy. */
  probe(): Promise<void>;
  /** A report from this provider's own callback with our ids filled in; undefined when it is not ours. */
  resolveCallback?(report: CallbackReport): Promise<DeliveryReport | undefined>;
}

/** Map that forgets its oldest entries beyond `limit` (caches of what this process sent). */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly limit: number) {
    super();
  }

  override set(key: K, value: V): this {
    if (this.has(key)) this.delete(key);
    super.set(key, value);
    while (this.size > this.limit) this.delete(this.keys().next().value as K);
    return this;
  }
}
