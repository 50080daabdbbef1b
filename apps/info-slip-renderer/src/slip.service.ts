import { Injectable, type OnApplicationBootstrap, type BeforeApplicationShutdown } from '@nestjs/common';
import { type DeliveryCommand, type NotificationStatus, NotificationStatusCode } from '@app/contracts';
import {
  type Consequences,
  type GuardedChange,
  OutboxPublisher,
  unconditional,
  writeChange,
} from '@app/delivery';
import { AppMetrics, CodeCipher, SealedCodeError } from '@app/platform';
import { InjectConfig, InjectLogger } from '@app/runtime';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import type { InfoSlipRendererConfig } from './info-slip-renderer.config';
import { renderSlipPdf } from './pdf/render-slip';
import type { SlipData } from './pdf/slip.types';

/** Slip commands become printable slips; the MIS downloads them by event id. */
@Injectable()
export class SlipService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private purgeTimer?: NodeJS.Timeout;

  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: OutboxPublisher,
    private readonly cipher: CodeCipher,
    private readonly metrics: AppMetrics,
    @InjectConfig() private readonly config: InfoSlipRendererConfig,
    @InjectLogger() private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.purgeTimer = setInterval(
      () =>
        this.purgeExpired().catch((error: unknown) => this.logger.warn({ err: error }, 'slip purge failed')),
      60_000,
    );
  }

  beforeApplicationShutdown(): void {
    clearInterval(this.purgeTimer);
  }

  /**
   * Renders each new slip once to prove it prints, stores the sealed command, and announces SLIP_READY. A
   * slip that can never print (wrong type, data the renderer refuses, a code sealed with another key) ends
   * as FAILED with the reason instead of disappearing into the DLQ with the event left unfinished.
   */
  async accept(received: DeliveryCommand[]): Promise<void> {
    const { printable: commands, unprintable } = await this.triage(received);
    // One statement: the slips the database did not have yet, and SLIP_READY for exactly those.
    await this.write(
      {
        sql: `INSERT INTO slip (event_id, notification_id, delivery_id, command, rendered_at, purge_after)
              SELECT event_id, notification_id, delivery_id, command, now(), now() + make_interval(hours => $5)
              FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::jsonb[]) AS c(event_id, notification_id, delivery_id, command)
              ON CONFLICT DO NOTHING RETURNING delivery_id::text AS key`,
        params: [
          commands.map((command) => command.eventId),
          commands.map((command) => command.notificationId),
          commands.map((command) => command.deliveryId),
          commands.map((command) => JSON.stringify(command)),
          this.config.RETENTION_HOURS,
        ],
      },
      commands.map((command) => ({
        key: command.deliveryId.toLowerCase(),
        status: this.status(command, NotificationStatusCode.SLIP_READY),
      })),
      commands,
    );
    if (unprintable.length > 0)
      await this.write(
        unconditional(unprintable.map(({ command }) => command.deliveryId)),
        unprintable.map(({ command, reason }) => ({
          key: command.deliveryId,
          status: { ...this.status(command, NotificationStatusCode.FAILED), reason },
        })),
        unprintable.map(({ command }) => command),
      );
  }

  /** Splits commands into slips that print and slips that never will (with the reason). */
  async triage(received: DeliveryCommand[]): Promise<{
    printable: DeliveryCommand[];
    unprintable: { command: DeliveryCommand; reason: string }[];
  }> {
    const printable: DeliveryCommand[] = [];
    const unprintable: { command: DeliveryCommand; reason: string }[] = [];
    for (const command of received) {
      const reason = await this.whyUnprintable(command);
      if (reason) unprintable.push({ command, reason });
      else printable.push(command);
    }
    return { printable, unprintable };
  }

  /** The PDF for the MIS, rendered from the stored command; undefined when unknown or purged. */
  async pdf(eventId: string): Promise<Buffer | undefined> {
    const [row] = await this.dataSource.query(`SELECT command FROM slip WHERE event_id = $1`, [eventId]);
    return row ? this.render(row.command as DeliveryCommand) : undefined;
  }

  /**
   * Records that the MIS printed the slip; false when there is no slip. Idempotent: the first call keeps
   * its time and announces SLIP_PRINTED, a repeat (an MIS retry) changes and announces nothing.
   */
  async markPrinted(eventId: string): Promise<boolean> {
    const [row]: { command: DeliveryCommand; printed_at: Date | null }[] = await this.dataSource.query(
      `SELECT command, printed_at FROM slip WHERE event_id = $1`,
      [eventId],
    );
    if (!row) return false;
    if (row.printed_at) return true;
    // Guarded by printed_at IS NULL: of two concurrent calls one records and announces, the other nothing.
    await this.write(
      {
        sql: `UPDATE slip SET printed_at = now() WHERE event_id = $1 AND printed_at IS NULL RETURNING event_id::text AS key`,
        params: [eventId],
      },
      [{ key: eventId.toLowerCase(), status: this.status(row.command, NotificationStatusCode.SLIP_PRINTED) }],
      [row.command],
    );
    return true;
  }

  private async write(
    change: GuardedChange,
    statuses: Consequences['statuses'],
    origins: DeliveryCommand[],
  ): Promise<void> {
    const result = await writeChange(this.dataSource, change, { statuses, messages: [] });
    this.publisher.publish(result.outbox);
    await this.publisher.room();
    // Counted after the commit; the command's type and occurredAt time terminal statuses end to end.
    const commands = new Map(statuses.map(({ status }, index) => [status.eventId, origins[index]]));
    for (const status of result.kept) this.metrics.statusRecorded(status, commands.get(status.eventId));
  }

  async purgeExpired(): Promise<number> {
    const [, deleted]: [unknown[], number] = await this.dataSource.query(
      `DELETE FROM slip WHERE purge_after < now() RETURNING event_id`,
    );
    return deleted;
  }

  private async whyUnprintable(command: DeliveryCommand): Promise<string | undefined> {
    if (command.type !== 'MEDICATION_REQUEST_CREATED' && command.type !== 'SERVICE_REQUEST_CREATED') {
      return 'SLIP_NOT_FOR_THIS_TYPE';
    }
    try {
      await this.render(command);
      return undefined;
    } catch (error) {
      // Rendering is pure and deterministic: what fails once fails every time.
      if (error instanceof SealedCodeError) return error.code;
      this.logger.warn({ eventId: command.eventId, err: error }, 'slip cannot be rendered');
      return 'SLIP_UNRENDERABLE';
    }
  }

  private render(command: DeliveryCommand): Promise<Buffer> {
    return renderSlipPdf(
      toSlipData(
        command,
        command.content.sealedCode ? this.cipher.open(command.content.sealedCode) : undefined,
      ),
    );
  }

  private status(command: DeliveryCommand, status: NotificationStatusCode): NotificationStatus {
    return {
      eventId: command.eventId,
      notificationId: command.notificationId,
      at: new Date().toISOString(),
      status,
      channel: 'SLIP',
      recipient: { personId: command.recipient.personId, role: command.recipient.role },
    };
  }
}

export function toSlipData(command: DeliveryCommand, verificationCode: string | undefined): SlipData {
  const { content, recipient } = command;
  const details = content.details ?? {};
  const base = {
    number: content.number ?? '',
    verificationCode,
    patient: { ...content.subjectName, birthDate: content.subjectBirthDate },
    representative: recipient.role === 'REPRESENTATIVE' ? recipient.name : undefined,
    validFrom: content.validFrom,
    validUntil: content.validUntil,
    issuedAt: command.occurredAt,
  };
  if (command.type === 'SERVICE_REQUEST_CREATED') {
    return {
      ...base,
      kind: 'SERVICE_REQUEST',
      details: {
        service: details.service,
        referringDoctor: details.referringDoctor,
        facility: details.facility,
      },
    };
  }
  return {
    ...base,
    kind: 'MEDICATION_REQUEST',
    details: {
      medication: details.medication,
      dosage: details.dosage,
      quantity: details.quantity,
      prescriber: details.prescriber,
      facility: details.facility,
    },
  };
}
