import { randomUUID } from 'node:crypto';
import { Injectable, type OnApplicationBootstrap, type BeforeApplicationShutdown } from '@nestjs/common';
import {
  type DeliveryCommand,
  type NotificationRequested,
  type NotificationStatus,
  NotificationStatusCode,
  type PersonSnapshot,
} from '@app/contracts';
import {
  CHANNEL_TOPIC,
  type Consequences,
  type GuardedChange,
  OutboxPublisher,
  TimerLoop,
  writeChange,
} from '@app/delivery';
import type { InboundMessage } from '@app/kafka';
import { AppMetrics, CodeCipher, maskPhone } from '@app/platform';
import { InjectConfig, InjectLogger } from '@app/runtime';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { PersonReadModel } from './person-read-model';
import {
  awaitedPersons,
  type PersonRecord,
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

type Persons = Map<string, PersonRecord>;

const WAITING = 'WAITING_FOR_PERSON';

/** What one batch decides: the rows' new states and decisions, and the statuses and commands they cause. */
interface Decided {
  decisions: { id: string; state: string; decision: string }[];
  consequences: Consequences;
  /** Rows not decided yet: the persons (confidants) whose snapshots could still change the decision. */
  awaiting: Map<string, string[]>;
}

/**
 * Turns requests into decisions. The hot path is two round trips per batch and no transaction: read the
 * persons, decide, then one statement inserts the notifications (unique by event id, so a repeated event is
 * a no-op) with their decisions, statuses and first delivery commands, whose outbox rows are published
 * straight after. An event whose subject is not known yet waits (WAITING_FOR_PERSON) until the snapshot
 * arrives or PERSON_WAIT_SECONDS pass; every later decision on it is guarded by that state, so the snapshot,
 * the event's own re-check and the wait timer can race and only one of them decides.
 */
@Injectable()
export class NotificationService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly resolution: ResolutionConfig;
  private readonly waits: TimerLoop;

  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: OutboxPublisher,
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
    this.waits = new TimerLoop(() => this.expireWaits(), 10_000, logger, 'person wait timer');
  }

  onApplicationBootstrap(): void {
    this.waits.start();
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.waits.stop();
  }

  async acceptRequests(requests: NotificationRequested[]): Promise<void> {
    const subjects = [...new Set(requests.map((request) => request.subjectPersonId))];
    const persons = await PersonReadModel.loadWithConfidants(this.dataSource, subjects);
    const rows = requests.map((request) => ({
      id: randomUUID(),
      event_id: request.eventId,
      request: this.sealRequest(request),
      encounterId: request.type === 'SERVICE_REQUEST_CREATED' ? (request.payload.encounterId ?? null) : null,
    }));
    const known = rows.filter((row) => persons.has(row.request.subjectPersonId));
    const decided = this.decide(known, persons, false);
    const states = new Map(decided.decisions.map((decision) => [decision.id, decision]));
    const result = await this.write(
      insertNotifications(rows, states, decided.awaiting, this.config),
      decided.consequences,
      rows,
    );
    const rest = rows.filter((row) => !result.changed.has(row.id));
    if (rest.length > 0) await this.skipDuplicateEncounters(rest);
    const waiting = rows.filter((row) => result.changed.has(row.id) && !states.has(row.id));
    if (waiting.length === 0) return;
    this.waits.wakeAt(Date.now() + this.config.PERSON_WAIT_SECONDS * 1000);
    // The subject's snapshot may have been applied between our read and our insert, and its handler may
    // not have seen our row yet: look again now that the row is there.
    await this.decideWaiting(waiting, false, false);
  }

  async applyPersons(messages: InboundMessage<PersonSnapshot | null>[]): Promise<void> {
    const changed = await PersonReadModel.apply(this.dataSource, messages);
    if (changed.length === 0) return;
    const waiting: NotificationRow[] = await this.dataSource.query(
      `SELECT id, event_id, request FROM notification
       WHERE state = '${WAITING}' AND (subject_person_id = ANY($1::uuid[]) OR awaiting_person_ids && $1::uuid[])
       ORDER BY created_at`,
      [changed],
    );
    if (waiting.length > 0) await this.decideWaiting(waiting, false);
  }

  /** Events whose subject never arrived within PERSON_WAIT_SECONDS end as FAILED / UNKNOWN_PERSON. */
  async resolveExpiredWaits(): Promise<number> {
    let total = 0;
    for (;;) {
      const rows: NotificationRow[] = await this.dataSource.query(
        `SELECT id, event_id, request FROM notification WHERE state = '${WAITING}' AND wait_until <= now()
         ORDER BY wait_until LIMIT 200`,
      );
      total += rows.length;
      if (rows.length > 0) await this.decideWaiting(rows, true);
      if (rows.length < 200) return total;
    }
  }

  /** The wait timer's pass: returns when the next wait ends. */
  private async expireWaits(): Promise<number | undefined> {
    await this.resolveExpiredWaits();
    const [{ next }]: { next: Date | null }[] = await this.dataSource.query(
      `SELECT min(wait_until) AS next FROM notification WHERE state = '${WAITING}'`,
    );
    return next?.getTime();
  }

  /**
   * Decides waiting rows whose subject (and every confidant that could matter) is now known, or all of
   * them once their wait is over: then the rules run on what is known.
   */
  private async decideWaiting(rows: NotificationRow[], waitIsOver: boolean, recheck = true): Promise<void> {
    const persons = await PersonReadModel.loadWithConfidants(this.dataSource, [
      ...new Set(rows.map((row) => row.request.subjectPersonId)),
    ]);
    const ready = waitIsOver ? rows : rows.filter((row) => persons.has(row.request.subjectPersonId));
    if (ready.length === 0) return;
    const { decisions, consequences, awaiting } = this.decide(ready, persons, waitIsOver);
    if (decisions.length > 0)
      await this.write(
        {
          sql: `UPDATE notification n SET state = d.state, decision = d.decision, resolved_at = now(), wait_until = NULL,
                  awaiting_person_ids = NULL
                FROM unnest($1::uuid[], $2::text[], $3::jsonb[]) AS d(id, state, decision)
                WHERE n.id = ANY($1::uuid[]) AND n.id = d.id AND n.state = '${WAITING}' RETURNING n.id::text AS key`,
          params: [
            decisions.map((d) => d.id),
            decisions.map((d) => d.state),
            decisions.map((d) => d.decision),
          ],
        },
        consequences,
        ready,
      );
    if (awaiting.size === 0) return;
    // Now waiting for confidants: note them so their snapshots find the row, then look once more, as on
    // insert (a snapshot applied meanwhile could not have found it).
    await this.dataSource.query(
      `UPDATE notification n SET awaiting_person_ids = string_to_array(a.ids, ',')::uuid[]
       FROM unnest($1::uuid[], $2::text[]) AS a(id, ids)
       WHERE n.id = ANY($1::uuid[]) AND n.id = a.id AND n.state = '${WAITING}'`,
      [[...awaiting.keys()], [...awaiting.values()].map((ids) => ids.join(','))],
    );
    if (recheck)
      await this.decideWaiting(
        ready.filter((row) => awaiting.has(row.id)),
        false,
        false,
      );
  }

  /**
   * Rows the insert did not take are repeats of a known event id (no-ops) or a second referral for an
   * encounter: that one is kept as DUPLICATE_ENCOUNTER and announced as SKIPPED.
   */
  private async skipDuplicateEncounters(rest: (NotificationRow & { encounterId: string | null })[]) {
    const known: { event_id: string }[] = await this.dataSource.query(
      `SELECT event_id FROM notification WHERE event_id = ANY($1::uuid[])`,
      [rest.map((row) => row.event_id)],
    );
    const seen = new Set(known.map((row) => row.event_id));
    const duplicates = rest.filter((row) => !seen.has(row.event_id.toLowerCase()));
    if (duplicates.length === 0) return;
    const states = new Map(duplicates.map((row) => [row.id, { state: 'DUPLICATE_ENCOUNTER' }]));
    await this.write(
      insertNotifications(duplicates, states, new Map(), this.config),
      {
        statuses: duplicates.map((row) => ({
          key: row.id,
          status: this.status(row, NotificationStatusCode.SKIPPED, {
            reason: ResolutionReason.DUPLICATE_ENCOUNTER,
          }),
        })),
        messages: [],
      },
      duplicates,
    );
  }

  private async write(change: GuardedChange, consequences: Consequences, rows: NotificationRow[]) {
    const result = await writeChange(this.dataSource, change, consequences);
    this.publisher.publish(result.outbox);
    await this.publisher.room();
    // Counted after the commit; the request's type and occurredAt time terminal statuses end to end.
    const requests = new Map(rows.map((row) => [row.event_id, row.request]));
    for (const status of result.kept) this.metrics.statusRecorded(status, requests.get(status.eventId));
    return result;
  }

  /**
   * Pure: the decision for each row, with the statuses and the first delivery command it causes; or, unless
   * the wait is over, the persons it still waits for (a confidant whose snapshot could change it).
   */
  private decide(rows: NotificationRow[], persons: Persons, waitIsOver: boolean): Decided {
    const decided: Decided = {
      decisions: [],
      consequences: { statuses: [], messages: [] },
      awaiting: new Map(),
    };
    const { statuses, messages } = decided.consequences;
    const now = new Date();
    const lookup = (id: string) => persons.get(id);
    for (const row of rows) {
      const { request } = row;
      const subject = persons.get(request.subjectPersonId);
      const decision = resolveRecipient(subject, lookup, request, this.resolution, now);
      if (subject && !waitIsOver) {
        const awaited = awaitedPersons(decision, subject, lookup, request, this.resolution, now);
        if (awaited.length > 0) {
          decided.awaiting.set(row.id, awaited);
          continue;
        }
      }
      decided.decisions.push({
        id: row.id,
        state: decision.outcome,
        decision: JSON.stringify(explainable(decision)),
      });
      if (decision.outcome !== 'RESOLVED') {
        statuses.push({
          key: row.id,
          status: this.status(row, NotificationStatusCode[decision.outcome], {
            reason: decision.reason,
            decision,
          }),
        });
        continue;
      }
      statuses.push({ key: row.id, status: this.status(row, NotificationStatusCode.RESOLVED, { decision }) });
      const [first, ...rest] = decision.plan;
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
            firstName: subject!.firstName,
            lastName: subject!.lastName,
            secondName: subject!.secondName,
          },
          subjectBirthDate: subject!.birthDate,
          details: request.payload.details,
        },
        occurredAt: request.occurredAt,
        expiresAt: request.expiresAt,
      };
      messages.push({ key: row.id, entry: { topic: CHANNEL_TOPIC[first], key: row.id, value: command } });
    }
    decided.consequences.also = this.search.statement({
      rows: rows.filter((row) => !decided.awaiting.has(row.id)),
      persons,
      statuses: statuses.map(({ status }) => status),
      commands: messages.map(({ entry }) => entry),
    });
    return decided;
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
 * Inserts a batch's notifications in one statement, each with its decision, or WAITING_FOR_PERSON when it
 * has none yet. ON CONFLICT without a target covers both unique rules: the event id (a repeated event is a
 * no-op) and one referral per encounter. Row order is kept, so of two equal events the first wins.
 */
function insertNotifications(
  rows: (NotificationRow & { encounterId: string | null })[],
  decisions: Map<string, { state: string; decision?: string }>,
  awaiting: Map<string, string[]>,
  config: ResolverConfig,
): GuardedChange {
  return {
    sql: `INSERT INTO notification (id, event_id, type, subject_person_id, encounter_id, state, request, decision,
                                    resolved_at, wait_until, purge_after, awaiting_person_ids)
          SELECT id, event_id, type, subject_person_id, encounter_id, state, request, decision,
                 CASE WHEN state = '${WAITING}' THEN NULL ELSE now() END,
                 CASE WHEN state = '${WAITING}' THEN now() + make_interval(secs => $9) END,
                 now() + make_interval(hours => $10),
                 CASE WHEN awaiting = '' THEN NULL ELSE string_to_array(awaiting, ',')::uuid[] END
          FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::uuid[], $5::uuid[], $6::text[], $7::jsonb[], $8::jsonb[],
                      $11::text[])
            WITH ORDINALITY AS r(id, event_id, type, subject_person_id, encounter_id, state, request, decision,
                                 awaiting, ord)
          ORDER BY ord
          ON CONFLICT DO NOTHING RETURNING id::text AS key`,
    params: [
      rows.map((row) => row.id),
      rows.map((row) => row.event_id),
      rows.map((row) => row.request.type),
      rows.map((row) => row.request.subjectPersonId),
      rows.map((row) => row.encounterId),
      rows.map((row) => decisions.get(row.id)?.state ?? WAITING),
      rows.map((row) => JSON.stringify(row.request)),
      rows.map((row) => decisions.get(row.id)?.decision ?? null),
      config.PERSON_WAIT_SECONDS,
      config.RETENTION_HOURS,
      rows.map((row) => (awaiting.get(row.id) ?? []).join(',')),
    ],
  };
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
