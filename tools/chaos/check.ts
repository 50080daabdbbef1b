import { smscMessageId } from '@app/providers';
import type { DeadLetter, TerminalSeen } from './observe';

/** One event as the harness published it. */
export interface PublishedEvent {
  eventId: string;
  type: string;
  expected: string;
  publishedAt: number;
  /** Where phone messages must go (own phone, or the parent's for a child). */
  recipientPhone?: string;
}

export interface NotificationRow {
  id: string;
  event_id: string;
  state: string;
}

export interface StatusRow {
  event_id: string;
  notification_id: string | null;
  status: string;
  channel: string | null;
  reason: string | null;
  is_terminal: boolean;
  at: Date | string;
}

export interface DeliveryRow {
  id: string;
  event_id: string;
  notification_id: string;
  channel: string;
  state: string;
  step: number;
  attempts: number;
  provider_message_id: string | null;
  last_error: string | null;
  late_report: string | null;
}

export interface SimulatorMessage {
  id: string;
  phone: string;
  channel: string;
  sequenceId: string | null;
  status: string;
  /** Which aggregator holds it (`turbosms`, `smsc`); absent from simulators before §11.4. */
  provider?: string;
}

/**
 * SMSC knows our message by the number derived from the delivery id and the phone (it has no sequence id),
 * so its messages are given the delivery id here, like TurboSMS's: then every check (twice, lost, wrong
 * channel) sees one SMS per delivery whichever provider took it.
 */
export function attributeSmscMessages(
  messages: SimulatorMessage[],
  smsDeliveries: { id: string; phone: string | null }[],
): SimulatorMessage[] {
  const byKey = new Map(smsDeliveries.map((row) => [`${smscMessageId(row.id)}:${row.phone}`, row.id]));
  return messages.map((message) =>
    message.provider === 'smsc' && message.sequenceId === null
      ? { ...message, sequenceId: byKey.get(`${message.id}:${message.phone}`) ?? null }
      : message,
  );
}

export interface CheckInput {
  events: PublishedEvent[];
  notifications: NotificationRow[];
  statuses: StatusRow[];
  deliveries: DeliveryRow[];
  simulatorMessages: SimulatorMessage[];
  /** Union of what the Diia stub listed during the run (its memory dies with it). */
  diiaPushIds: Set<string>;
  /** Terminal statuses read from esoz.notification.status.v1, per event; undefined when not probed. */
  announced?: Map<string, TerminalSeen[]>;
  /** Our event ids read back from esoz.notification.requested.v1; undefined when not probed. */
  inputEvents?: Set<string>;
  untouchedPhones: Set<string>;
  deadLetters: DeadLetter[];
  outboxLeft: number;
}

export type FindingKind = 'lost' | 'duplicated' | 'stuck' | 'inconsistent';

export interface Finding {
  kind: FindingKind;
  code: string;
  eventId?: string;
  detail: string;
}

export interface LatencySummary {
  count: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

export interface CheckResult {
  events: number;
  /** Distinct events with at least one finding of the kind (global findings count one each). */
  lost: number;
  duplicated: number;
  stuck: number;
  inconsistent: number;
  deadLettered: number;
  findingsByCode: Record<string, number>;
  findings: Finding[];
  terminalCounts: Record<string, number>;
  /** Fault-free expectation → actual, only where they differ (faults legitimately change paths). */
  outcomeShifts: Record<string, number>;
  timeToTerminal: LatencySummary;
  notes: {
    /** Events with a provider message on two channels where the first delivery FELL_BACK (documented). */
    messagesOnTwoChannelsAfterFallback: number;
    lateReportsRecorded: number;
    /** Identical terminal statuses published again (outbox relay crash between send and delete). */
    republishedTerminalCopies: number;
    /** Diia stub pushes whose id matches no delivery: sent by a stub incarnation whose attempt never committed. */
    diiaPushesUnattributed: number;
    /** DELIVERED by Diia whose push the collector never saw (stub killed within a poll interval). */
    diiaDeliveredUnverified: number;
    simulatorMessages: number;
    diiaPushes: number;
    deliveries: number;
  };
}

export function outcomeOf(row: { status: string; channel?: string | null } | undefined): string {
  if (!row) return 'NONE';
  return row.status === 'DELIVERED' ? `DELIVERED/${row.channel}` : row.status;
}

/** The per-event checks of the chaos run (see tools/chaos/README in the report text). Pure. */
export function checkRun(input: CheckInput): CheckResult {
  const findings: Finding[] = [];
  const add = (kind: FindingKind, code: string, detail: string, eventId?: string) =>
    findings.push({ kind, code, detail, ...(eventId ? { eventId } : {}) });

  const ours = new Set(input.events.map((event) => event.eventId));
  const notificationOf = new Map(input.notifications.map((row) => [row.event_id, row]));
  const statusesOf = groupBy(input.statuses, (row) => row.event_id);
  const deliveriesOf = groupBy(input.deliveries, (row) => row.event_id);
  const deliveryById = new Map(input.deliveries.map((row) => [row.id, row]));
  const messagesOf = new Map<string, SimulatorMessage[]>();
  const diiaProviderIds = new Set<string>();

  for (const message of input.simulatorMessages) {
    const delivery = message.sequenceId ? deliveryById.get(message.sequenceId) : undefined;
    if (input.untouchedPhones.has(message.phone))
      add(
        'inconsistent',
        'MESSAGE_TO_UNTOUCHED_PHONE',
        `${message.channel} message ${message.id} went to a phone that must never get one (a child's own / a preperson's)`,
        delivery?.event_id,
      );
    if (!delivery || !ours.has(delivery.event_id)) {
      add(
        'inconsistent',
        'UNATTRIBUTED_MESSAGE',
        `${message.channel} message ${message.id} (sequence ${message.sequenceId ?? 'none'}) matches no delivery of this run`,
      );
      continue;
    }
    if (delivery.channel !== message.channel)
      add(
        'inconsistent',
        'MESSAGE_ON_WRONG_CHANNEL',
        `${message.channel} message ${message.id} carries the id of ${delivery.channel} delivery ${delivery.id}`,
        delivery.event_id,
      );
    const list = messagesOf.get(delivery.event_id) ?? [];
    list.push(message);
    messagesOf.set(delivery.event_id, list);
  }
  for (const delivery of input.deliveries)
    if (delivery.channel === 'DIIA' && delivery.provider_message_id)
      diiaProviderIds.add(delivery.provider_message_id);
  const diiaPushesUnattributed = [...input.diiaPushIds].filter((id) => !diiaProviderIds.has(id)).length;

  const terminalCounts: Record<string, number> = {};
  const outcomeShifts: Record<string, number> = {};
  const latencies: number[] = [];
  let twoChannels = 0;
  let republished = 0;
  let diiaUnverified = 0;

  for (const event of input.events) {
    const id = event.eventId;
    const own = notificationOf.get(id);
    const statuses = statusesOf.get(id) ?? [];
    const deliveries = (deliveriesOf.get(id) ?? []).sort((a, b) => a.step - b.step);
    const messages = messagesOf.get(id) ?? [];
    const terminals = statuses.filter((row) => row.is_terminal);
    const terminal = terminals[0];
    const outcome = outcomeOf(terminal);
    terminalCounts[outcome] = (terminalCounts[outcome] ?? 0) + 1;
    if (outcome !== event.expected) {
      const shift = `${event.expected} → ${outcome}`;
      outcomeShifts[shift] = (outcomeShifts[shift] ?? 0) + 1;
    }

    if (!own && input.inputEvents && !input.inputEvents.has(id)) {
      add(
        'lost',
        'NOT_IN_INPUT_TOPIC',
        'Kafka acknowledged the event to the harness, yet it is not on esoz.notification.requested.v1',
        id,
      );
    } else if (!own) {
      add('lost', 'NO_NOTIFICATION', 'the resolver never recorded the event (no notification row)', id);
    } else if (!terminal) {
      add(
        'stuck',
        'NO_TERMINAL',
        `no terminal status by the end of the drain; notification ${own.id} state ${own.state}, last status ${describeStatus(statuses.at(-1))}, deliveries ${describeDeliveries(deliveries)}`,
        id,
      );
    }
    if (terminals.length > 1)
      add('duplicated', 'TERMINAL_TWICE', `terminal statuses ${terminals.map(outcomeOf).join(', ')}`, id);
    const foreign = statuses.filter((row) => own && row.notification_id && row.notification_id !== own.id);
    if (foreign.length > 0)
      add(
        'inconsistent',
        'SECOND_DECISION',
        `${foreign.length} statuses of another decision for the event`,
        id,
      );

    if (terminal) latencies.push(new Date(terminal.at).getTime() - event.publishedAt);

    // Deliveries: one per channel, none left in flight.
    for (const [channel, rows] of groupBy(deliveries, (row) => row.channel)) {
      if (rows.length > 1)
        add(
          'duplicated',
          'DELIVERY_TWICE',
          `${rows.length} ${channel} deliveries: ${describeDeliveries(rows)}`,
          id,
        );
    }
    for (const row of deliveries.filter((row) => row.state === 'PENDING' || row.state === 'SENT'))
      add(
        'stuck',
        'DELIVERY_UNFINISHED',
        `${row.channel} delivery ${row.id} still ${row.state} (attempts ${row.attempts}, last error ${row.last_error ?? '—'}) with event ${outcome}`,
        id,
      );

    // Provider side: at most one message per channel; a message on two channels only after a fallback.
    for (const [channel, rows] of groupBy(messages, (message) => message.channel)) {
      if (rows.length > 1)
        add(
          'duplicated',
          'MESSAGE_TWICE',
          `${rows.length} ${channel} messages at the simulator (ids ${rows.map((row) => row.id).join(', ')})`,
          id,
        );
    }
    for (const message of messages) {
      if (event.recipientPhone && message.phone !== event.recipientPhone)
        add(
          'inconsistent',
          'WRONG_PHONE',
          `${message.channel} message ${message.id} went to another phone`,
          id,
        );
    }
    const reachedProvider = deliveries.filter((row) =>
      row.channel === 'DIIA'
        ? row.provider_message_id !== null
        : messages.some((message) => message.sequenceId === row.id),
    );
    for (const row of reachedProvider) {
      const later = deliveries.some((other) => other.step > row.step);
      if (!later) continue;
      if (row.state === 'FELL_BACK') twoChannels++;
      else
        add(
          'duplicated',
          'SENT_ON_TWO_CHANNELS',
          `${row.channel} delivery ${row.id} reached the provider and ended ${row.state}, yet a later channel was tried too: ${describeDeliveries(deliveries)}`,
          id,
        );
    }

    // A DELIVERED event was delivered on that channel, and the provider has the message.
    if (terminal?.status === 'DELIVERED') {
      const delivered = deliveries.find(
        (row) => row.channel === terminal.channel && row.state === 'DELIVERED',
      );
      if (!delivered) {
        add(
          'inconsistent',
          'DELIVERED_WITHOUT_DELIVERY',
          `DELIVERED/${terminal.channel} but no ${terminal.channel} delivery is DELIVERED: ${describeDeliveries(deliveries)}`,
          id,
        );
      } else if (terminal.channel === 'DIIA') {
        if (!delivered.provider_message_id || !input.diiaPushIds.has(delivered.provider_message_id))
          diiaUnverified++;
      } else if (
        !messages.some(
          (message) => message.sequenceId === delivered.id && message.channel === delivered.channel,
        )
      ) {
        add(
          'inconsistent',
          'DELIVERED_NOT_AT_PROVIDER',
          `DELIVERED/${terminal.channel} but the simulator has no message for delivery ${delivered.id}`,
          id,
        );
      }
    }
    if (terminal && terminal.status !== 'DELIVERED' && deliveries.some((row) => row.state === 'DELIVERED'))
      add(
        'inconsistent',
        'TERMINAL_CONTRADICTS_DELIVERY',
        `terminal ${outcome} but a delivery is DELIVERED: ${describeDeliveries(deliveries)}`,
        id,
      );

    // What upstream heard on esoz.notification.status.v1.
    if (input.announced) {
      const seen = input.announced.get(id) ?? [];
      const distinct = new Map(
        seen.map((row) => [`${row.status}/${row.channel ?? ''}/${row.notificationId ?? ''}`, row]),
      );
      if (terminal && seen.length === 0)
        add('lost', 'NOT_ANNOUNCED', `terminal ${outcome} is in the database but was never published`, id);
      if (distinct.size > 1)
        add(
          'duplicated',
          'ANNOUNCED_TWICE',
          `different terminal statuses published: ${[...distinct.values()].map(outcomeOf).join(', ')}`,
          id,
        );
      if (distinct.size === 1) {
        const [only] = distinct.values();
        if (!terminal || outcomeOf(only) !== outcome)
          add(
            'inconsistent',
            'ANNOUNCED_DIFFERS',
            `published ${outcomeOf(only)}, database has ${outcome}`,
            id,
          );
      }
      republished += seen.length - distinct.size;
    }
  }

  const notOurs = input.statuses.filter((row) => !ours.has(row.event_id)).length;
  if (notOurs > 0)
    add('inconsistent', 'FOREIGN_STATUSES', `${notOurs} status rows for events this run never published`);
  for (const letter of input.deadLetters)
    add(
      'lost',
      'DEAD_LETTERED',
      `${letter.topic} (group ${letter.group}, reason ${letter.reason}, key ${letter.key})`,
    );
  if (input.outboxLeft > 0)
    add('stuck', 'OUTBOX_NOT_EMPTY', `${input.outboxLeft} outbox rows were never published`);

  const distinctEvents = (kind: FindingKind) => {
    const kindFindings = findings.filter((finding) => finding.kind === kind);
    return (
      new Set(kindFindings.flatMap((finding) => (finding.eventId ? [finding.eventId] : []))).size +
      kindFindings.filter((finding) => !finding.eventId).length
    );
  };
  const findingsByCode: Record<string, number> = {};
  for (const finding of findings) findingsByCode[finding.code] = (findingsByCode[finding.code] ?? 0) + 1;

  return {
    events: input.events.length,
    lost: distinctEvents('lost'),
    duplicated: distinctEvents('duplicated'),
    stuck: distinctEvents('stuck'),
    inconsistent: distinctEvents('inconsistent'),
    deadLettered: input.deadLetters.length,
    findingsByCode,
    findings,
    terminalCounts: sortByCount(terminalCounts),
    outcomeShifts: sortByCount(outcomeShifts),
    timeToTerminal: summarize(latencies),
    notes: {
      messagesOnTwoChannelsAfterFallback: twoChannels,
      lateReportsRecorded: input.deliveries.filter((row) => row.late_report !== null).length,
      republishedTerminalCopies: republished,
      diiaPushesUnattributed,
      diiaDeliveredUnverified: diiaUnverified,
      simulatorMessages: input.simulatorMessages.length,
      diiaPushes: input.diiaPushIds.size,
      deliveries: input.deliveries.length,
    },
  };
}

export function summarize(values: number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (quantile: number) =>
    sorted.length === 0
      ? 0
      : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(quantile * sorted.length) - 1))];
  return {
    count: sorted.length,
    p50Ms: Math.round(at(0.5)),
    p95Ms: Math.round(at(0.95)),
    maxMs: Math.round(sorted.at(-1) ?? 0),
  };
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k) ?? [];
    list.push(item);
    groups.set(k, list);
  }
  return groups;
}

function sortByCount(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).sort(([, a], [, b]) => b - a));
}

function describeStatus(row: StatusRow | undefined): string {
  if (!row) return 'none';
  return `${row.status}${row.channel ? `/${row.channel}` : ''}${row.reason ? ` (${row.reason})` : ''}`;
}

export function describeDeliveries(rows: DeliveryRow[]): string {
  if (rows.length === 0) return 'none';
  return rows
    .map(
      (row) =>
        `#${row.step} ${row.channel} ${row.id.slice(0, 8)} ${row.state} attempts=${row.attempts}${row.last_error ? ` err=${row.last_error}` : ''}${row.late_report ? ` late=${row.late_report}` : ''}`,
    )
    .join('; ');
}
