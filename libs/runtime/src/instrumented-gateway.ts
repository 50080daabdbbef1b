import type { AppMetrics } from '@app/platform';
import {
  type ChannelGateway,
  type DeliveryReport,
  type OutgoingMessage,
  ProviderPermanentError,
  ProviderUnavailableError,
  type SendResult,
} from '@app/providers';

/** The outcome label of a failed provider call: typed errors by kind, anything else as ERROR. */
function failureOutcome(error: unknown): string {
  if (error instanceof ProviderUnavailableError) return 'UNAVAILABLE';
  if (error instanceof ProviderPermanentError) return 'PERMANENT_ERROR';
  return 'ERROR';
}

/**
 * A ChannelGateway that times every provider call into `esoz_provider_request_duration_seconds{provider,
 * channel, operation, outcome}`: `send` ends ACCEPTED, the reject reason, UNAVAILABLE, PERMANENT_ERROR or
 * ERROR; `status` (report polls) ends OK or the same failures. Results and errors pass through untouched.
 */
export class InstrumentedGateway implements ChannelGateway {
  readonly channel: ChannelGateway['channel'];

  constructor(
    private readonly inner: ChannelGateway,
    private readonly metrics: AppMetrics,
    private readonly provider: string,
  ) {
    this.channel = inner.channel;
  }

  async send(message: OutgoingMessage): Promise<SendResult> {
    const done = this.metrics.providerCall(this.provider, this.channel, 'send');
    try {
      const result = await this.inner.send(message);
      done(result.kind === 'ACCEPTED' ? 'ACCEPTED' : result.reason);
      return result;
    } catch (error) {
      done(failureOutcome(error));
      throw error;
    }
  }

  async fetchReports(providerMessageIds: string[]): Promise<DeliveryReport[]> {
    const done = this.metrics.providerCall(this.provider, this.channel, 'status');
    try {
      const reports = await this.inner.fetchReports(providerMessageIds);
      done('OK');
      return reports;
    } catch (error) {
      done(failureOutcome(error));
      throw error;
    }
  }
}
