import { randomUUID } from 'node:crypto';
import { Injectable, type OnApplicationBootstrap, type BeforeApplicationShutdown } from '@nestjs/common';
import {
  type DeliveryCommand,
  type NotificationRequested,
  type NotificationStatus,
  NotificationStatusCode,
  type PersonSnapshot,
} from '@app/contracts';
import { CHANNEL_TOPIC, enqueue, OutboxRelay, recordStatuses, type OutboxEntry } from '@app/delivery';
import type { InboundMessage } from '@app/kafka';
import { AppMetrics, CodeCipher, maskPhone } from '@app/platform';
import { InjectConfig, InjectLogger } from '@app/runtime';
import type { Logger } from 'pino';
import { DataSource, type EntityManager } from 'typeorm';
import { PersonReadModel } from './person-read-model';
import {
  resolveRecipient,
  ResolutionReason,
  type ResolutionConfig,
  type ResolutionDecision,
} from './resolution';
import type { ResolverConfig } from './resolver.config';
import { SupportSearchIndexer } from './support/support-search.indexer';

/** The stored request: the verification code only ever sealed. */
type StoredRequest = Omit<NotificationRequested, 'payload'> & {
  payload: Omit<NotificationRequested['payload'], 'verificationCode'> & { sealedCode?: string };
};

interface NotificationRow {
  id: string;
  event_id: string;
  request: StoredRequest;
}

/**
 * Turns requests into decisions. Each batch is one transaction: the notification row (unique by event id,
 * so a repeated event is a no-op), the decision, its statuses and the first delivery command go to the
 * database and the outbox together; a crash before commit redoes the batch, after commit the relay sends.
 */
@Injectable()
export class NotificationService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly resolution: ResolutionConfig;
  private sweeper?: NodeJS.Timeout;

  constructor(
    private readonly dataSource: DataSource,
    private readonly relay: OutboxRelay,
    private readonly cipher: CodeCipher,
    private readonly metrics: AppMetrics,
    private readonly search: SupportSearchIndexer,
    @InjectConfig() private readonly config: ResolverConfig,
    @InjectLogger() private readonly logger: Logger,
  ) {
    this.resolution = {
      adultAge: config.ADULT_AGE,
      confidantMinAge: config.CONFIDANT_MIN_AGE,
      diiaEnabled: config.DIIA_ENABLED,
      requireVerifiedRelationship: config.RELATIONSHIP_CHECK,
    };
  }

  onApplicationBootstrap(): void {
    this.sweeper = setInterval(() => {
      this.resolveExpiredWaits().catch((error: unknown) =>
        this.logger.warn({ err: error }, 'wait sweeper failed'),
      );
    }, 1000);
  }

  beforeApplicationShutdown(): void {
    clearInterval(this.sweeper);
  }

  async acceptRequests(requests: NotificationRequested[]): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await lockSubjects(
        manager,
        requests.map((request) => request.subjectPersonId),
      );
      const fresh = await this.insertNew(manager, requests);
      if (fresh.length === 0) return;
      const persons = await PersonReadModel.loadWithConfidants(manager, [
        ...new Set(fresh.map((row) => row.request.subjectPersonId)),
      ]);
      const known = fresh.filter((row) => persons.has(row.request.subjectPersonId));
      const unknown = fresh.filter((row) => !persons.has(row.request.subjectPersonId));
      if (unknown.length > 0) {
        await manager.query(
          `UPDATE notification SET state = 'WAITING_FOR_PERSON', wait_until = now() + make_interval(secs => $2) WHERE id = ANY($1::uuid[])`,
          [unknown.map((row) => row.id), this.config.PERSON_WAIT_SECONDS],
        );
      }
      await this.decide(manager, known, persons);
    });
    this.relay.kick();
  }

  async applyPersons(messages: InboundMessage<PersonSnapshot | null>[]): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await lockSubjects(
        manager,
        messages.map((message) => message.value?.id ?? message.key ?? ''),
      );
      const changed = await PersonReadModel.apply(manager, messages);
      if (changed.length === 0) return;
      const waiting: NotificationRow[] = await manager.query(
        `SELECT id, event_id, request FROM notification WHERE state = 'WAITING_FOR_PERSON' AND subject_person_id = ANY($1::uuid[]) ORDER BY created_at FOR UPDATE SKIP LOCKED`,
        [changed],
      );
      if (waiting.length === 0) return;
      const persons = await PersonReadModel.loadWithConfidants(manager, changed);
      await this.decide(manager, waiting, persons);
    });
    this.relay.kick();
  }

  /** Events whose subject never arrived within PERSON_WAIT_SECONDS end as FAILED / UNKNOWN_PERSON. */
  async resolveExpiredWaits(): Promise<number> {
    const count = await this.dataSource.transaction(async (manager) => {
      const rows: NotificationRow[] = await manager.query(
        `SELECT id, event_id, request FROM notification WHERE state = 'WAITING_FOR_PERSON' AND wait_until <= now() ORDER BY wait_until LIMIT 200 FOR UPDATE SKIP LOCKED`,
      );
      if (rows.length === 0) return 0;
      const persons = await PersonReadModel.loadWithConfidants(manager, [
        ...new Set(rows.map((row) => row.request.subjectPersonId)),
      ]);
      await this.decide(manager, rows, persons);
      return rows.length;
    });
    if (count > 0) this.relay.kick();
    return count;
  }

  /**
   * Inserts the batch's new notifications in one statement. ON CONFLICT without a target covers both unique
   * rules: the event id (a repeated event is a no-op) and one referral per encounter (a second one is kept
   * as DUPLICATE_ENCOUNTER and announced as SKIPPED).
   */
  private async insertNew(
    manager: EntityManager,
    requests: NotificationRequested[],
  ): Promise<NotificationRow[]> {
    const rows = requests.map((request) => ({
      id: randomUUID(),
      event_id: request.eventId,
      request: this.sealRequest(request),
      encounterId: request.type === 'SERVICE_REQUEST_CREATED' ? (request.payload.encounterId ?? null) : null,
    }));
    const inserted = await this.insertRows(manager, rows, 'RECEIVED');
    const fresh = rows.filter((row) => inserted.has(row.id));
    const rest = rows.filter((row) => !inserted.has(row.id));
    if (rest.length === 0) return fresh;
    const known: { event_id: string }[] = await manager.query(
      `SELECT event_id FROM notification WHERE event_id = ANY($1::uuid[])`,
      [rest.map((row) => row.event_id)],
    );
    const seen = new Set(known.map((row) => row.event_id));
    const duplicateEncounters = rest.filter((row) => !seen.has(row.event_id.toLowerCase()));
    const kept = await this.insertRows(manager, duplicateEncounters, 'DUPLICATE_ENCOUNTER');
    await this.emit(
      manager,
      duplicateEncounters
        .filter((row) => kept.has(row.id))
        .map((row) =>
          this.status(row, NotificationStatusCode.SKIPPED, { reason: ResolutionReason.DUPLICATE_ENCOUNTER }),
        ),
      [],
    );
    return fresh;
  }

  /** Returns the ids of the rows the database took (row order kept, so of two equal events the first wins). */
  private async insertRows(
    manager: EntityManager,
    rows: (NotificationRow & { encounterId: string | null })[],
    state: 'RECEIVED' | 'DUPLICATE_ENCOUNTER',
  ): Promise<Set<string>> {
    if (rows.length === 0) return new Set();
    const inserted: { id: string }[] = await manager.query(
      `INSERT INTO notification (id, event_id, type, subject_person_id, encounter_id, state, request, resolved_at, purge_after)
       SELECT id, event_id, type, subject_person_id, encounter_id, $7,
              request, CASE WHEN $7 = 'RECEIVED' THEN NULL ELSE now() END, now() + make_interval(hours => $8)
       FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::uuid[], $5::uuid[], $6::jsonb[]) WITH ORDINALITY
         AS r(id, event_id, type, subject_person_id, encounter_id, request, ord)
       ORDER BY ord
       ON CONFLICT DO NOTHING RETURNING id`,
      [
        rows.map((row) => row.id),
        rows.map((row) => row.event_id),
        rows.map((row) => row.request.type),
        rows.map((row) => row.request.subjectPersonId),
        rows.map((row) => row.encounterId),
        rows.map((row) => JSON.stringify(row.request)),
        state,
        this.config.RETENTION_HOURS,
      ],
    );
    return new Set(inserted.map((row) => row.id));
  }

  private async decide(
    manager: EntityManager,
    rows: NotificationRow[],
    persons: Map<string, import('./resolution').PersonRecord>,
  ): Promise<void> {
    const statuses: NotificationStatus[] = [];
    const commands: OutboxEntry[] = [];
    const decisions: { id: string; state: string; decision: string }[] = [];
    const now = new Date();
    for (const row of rows) {
      const { request } = row;
      const decision = resolveRecipient(
        persons.get(request.subjectPersonId),
        (id) => persons.get(id),
        request,
        this.resolution,
        now,
      );
      decisions.push({
        id: row.id,
        state: decision.outcome,
        decision: JSON.stringify(explainable(decision)),
      });
      if (decision.outcome !== 'RESOLVED') {
        statuses.push(
          this.status(row, NotificationStatusCode[decision.outcome], { reason: decision.reason, decision }),
        );
        continue;
      }
      statuses.push(this.status(row, NotificationStatusCode.RESOLVED, { decision }));
      const [first, ...rest] = decision.plan;
      const subject = persons.get(request.subjectPersonId)!;
      const command: DeliveryCommand = {
        deliveryId: randomUUID(),
        notificationId: row.id,
        eventId: row.event_id,
        type: request.type,
        channel: first,
        remainingPlan: rest,
        step: 1,
        recipient: {
          personId: decision.recipient.personId,
          role: decision.recipient.role,
          phone: decision.recipient.phone,
          taxId: decision.recipient.taxId,
          name: decision.recipient.name,
        },
        content: {
          number: request.payload.number,
          sealedCode: request.payload.sealedCode,
          validFrom: request.payload.validFrom,
          validUntil: request.payload.validUntil,
          subjectName: {
            firstName: subject.firstName,
            lastName: subject.lastName,
            secondName: subject.secondName,
          },
          subjectBirthDate: subject.birthDate,
          details: request.payload.details,
        },
        occurredAt: request.occurredAt,
        expiresAt: request.expiresAt,
      };
      commands.push({ topic: CHANNEL_TOPIC[first], key: row.id, value: command });
    }
    if (decisions.length > 0) {
      await manager.query(
        `UPDATE notification n SET state = d.state, decision = d.decision, resolved_at = now(), wait_until = NULL
         FROM unnest($1::uuid[], $2::text[], $3::jsonb[]) AS d(id, state, decision) WHERE n.id = d.id`,
        [decisions.map((d) => d.id), decisions.map((d) => d.state), decisions.map((d) => d.decision)],
      );
    }
    await this.search.index(manager, { rows, persons, statuses, commands });
    await this.emit(manager, statuses, commands);
  }

  private async emit(
    manager: EntityManager,
    statuses: NotificationStatus[],
    commands: OutboxEntry[],
  ): Promise<void> {
    const kept = await recordStatuses(manager, statuses);
    await enqueue(manager, commands);
    for (const status of kept)
      this.metrics.statuses.inc({ status: status.status, channel: status.channel ?? 'NONE' });
  }

  private status(
    row: NotificationRow,
    status: NotificationStatusCode,
    extra: { reason?: string; decision?: ResolutionDecision },
  ): NotificationStatus {
    const recipient = extra.decision?.recipient;
    return {
      eventId: row.event_id,
      notificationId: row.id,
      at: new Date().toISOString(),
      status,
      ...(recipient
        ? {
            recipient: {
              personId: recipient.personId,
              role: recipient.role,
              ...(recipient.phone ? { maskedPhone: maskPhone(recipient.phone) } : {}),
            },
          }
        : {}),
      ...(extra.reason ? { reason: extra.reason } : {}),
    };
  }

  private sealRequest(request: NotificationRequested): StoredRequest {
    const { verificationCode, ...payload } = request.payload;
    return {
      ...request,
      payload: {
        ...payload,
        ...(verificationCode ? { sealedCode: this.cipher.seal(verificationCode) } : {}),
      },
    };
  }
}

/**
 * Events and snapshots of one person arrive on different topics and are handled concurrently. Without a
 * lock, an event and its person's first snapshot committed at the same moment would each miss the other,
 * and the event would wait for the sweep. Locks are taken in key order so two batches cannot deadlock.
 */
async function lockSubjects(manager: EntityManager, personIds: string[]): Promise<void> {
  await manager.query(
    `SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT hashtext(id) AS k FROM unnest($1::text[]) AS id ORDER BY 1) AS keys`,
    [personIds.filter(Boolean)],
  );
}

/** What support may see of a decision: no full phone, no tax id, no names. */
export function explainable(decision: ResolutionDecision) {
  const recipient = decision.recipient
    ? {
        personId: decision.recipient.personId,
        role: decision.recipient.role,
        maskedPhone: decision.recipient.phone ? maskPhone(decision.recipient.phone) : undefined,
        hasTaxId: Boolean(decision.recipient.taxId),
      }
    : undefined;
  return {
    outcome: decision.outcome,
    reason: decision.outcome === 'RESOLVED' ? undefined : decision.reason,
    recipient,
    method: decision.method,
    plan: decision.outcome === 'RESOLVED' ? decision.plan : [],
    explanation: decision.explanation,
  };
}
