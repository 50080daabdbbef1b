import { randomUUID } from 'node:crypto';
import type { ChannelGateway, DeliveryReport, OutgoingMessage, SendResult } from '@app/providers';

/** What the Diia partner API answers for a recipient (research/domain.md §7), set per RNOKPP by tests. */
export const DiiaBehaviour = { READ: 'READ', SENT: 'SENT', NOT_FOUND: 'NOT_FOUND', ERROR: 'ERROR' } as const;
export type DiiaBehaviour = (typeof DiiaBehaviour)[keyof typeof DiiaBehaviour];

export interface DiiaPush {
  id: string;
  /** Masked RNOKPP: the stub plays Diia, but what it shows over HTTP is still personal data. */
  taxId: string;
  title: string;
  shortText: string;
  status: 'sent' | 'read' | 'error';
  time: string;
}

/**
 * Stands in for the Diia partner API behind the same port a real adapter would implement. `not-found` is a
 * synchronous reject; `read` and `error` arrive later as reports; `sent` alone never confirms delivery.
 */
export class DiiaStubGateway implements ChannelGateway {
  readonly channel = 'DIIA' as const;
  private readonly behaviours = new Map<string, DiiaBehaviour>();
  private readonly pushes = new Map<string, DiiaPush & { deliveryId: string }>();
  private readonly byDelivery = new Map<string, string>();
  private reportListener?: (reports: DeliveryReport[]) => Promise<void>;

  constructor(private readonly reportDelayMs: number) {}

  onReport(listener: (reports: DeliveryReport[]) => Promise<void>): void {
    this.reportListener = listener;
  }

  setBehaviour(taxId: string, behaviour: DiiaBehaviour): void {
    this.behaviours.set(taxId, behaviour);
  }

  list(): DiiaPush[] {
    return [...this.pushes.values()].map(({ deliveryId: _deliveryId, ...push }) => push);
  }

  reset(): void {
    this.behaviours.clear();
    this.pushes.clear();
    this.byDelivery.clear();
  }

  async send(message: OutgoingMessage): Promise<SendResult> {
    const behaviour = this.behaviours.get(message.address) ?? DiiaBehaviour.READ;
    if (behaviour === DiiaBehaviour.NOT_FOUND) return { kind: 'REJECTED', reason: 'DIIA_NOT_FOUND' };
    const existing = this.byDelivery.get(message.deliveryId);
    if (existing) return { kind: 'ACCEPTED', providerMessageId: existing };
    const id = randomUUID();
    this.byDelivery.set(message.deliveryId, id);
    this.pushes.set(id, {
      id,
      deliveryId: message.deliveryId,
      taxId: `******${message.address.slice(-2)}`,
      title: message.title ?? '',
      shortText: message.shortText ?? '',
      status: 'sent',
      time: new Date().toISOString(),
    });
    if (behaviour !== DiiaBehaviour.SENT) {
      const outcome = behaviour === DiiaBehaviour.READ ? 'DELIVERED' : 'UNDELIVERED';
      setTimeout(() => this.report(id, outcome), this.reportDelayMs).unref();
    }
    return { kind: 'ACCEPTED', providerMessageId: id };
  }

  async fetchReports(providerMessageIds: string[]): Promise<DeliveryReport[]> {
    return providerMessageIds.flatMap((id) => {
      const push = this.pushes.get(id);
      if (!push || push.status === 'sent') return [];
      return [
        {
          providerMessageId: id,
          outcome: push.status === 'read' ? 'DELIVERED' : 'UNDELIVERED',
        } as DeliveryReport,
      ];
    });
  }

  private report(id: string, outcome: 'DELIVERED' | 'UNDELIVERED'): void {
    const push = this.pushes.get(id);
    if (!push) return;
    push.status = outcome === 'DELIVERED' ? 'read' : 'error';
    // A lost report is not lost for good: the engine's status poll asks fetchReports again.
    this.reportListener?.([{ providerMessageId: id, outcome, deliveryId: push.deliveryId }]).catch(
      () => undefined,
    );
  }
}
