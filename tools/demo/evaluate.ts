import { TERMINAL_STATUSES, type Channel, type NotificationStatusCode } from '@app/contracts';
import { maskPhone } from '@app/platform';
import type { Scenario } from './scenarios';

/** One row of the resolver's support timeline (`GET /notifications/{eventId}`). */
export interface TimelineEntry {
  status: NotificationStatusCode;
  channel?: Channel | null;
  reason?: string | null;
  recipient?: { personId: string; role: string; maskedPhone?: string } | null;
  at: string;
  /** Which resolver decision (delivery chain) the status belongs to. */
  notificationId?: string | null;
}

export interface SupportView {
  eventId: string;
  state?: string;
  timeline: TimelineEntry[];
}

/** What the demo learned about one event, ready for the table. */
export interface Outcome {
  scenario: Scenario;
  /** The statuses of the decision that reached the event's terminal status (see splitByChain). */
  timeline: TimelineEntry[];
  /** Statuses of any other decision for the same event id (another system on the broker). */
  others: TimelineEntry[];
  /** Whether the chain shown is another resolver's decision rather than ours. */
  foreignChain: boolean;
  problems: string[];
  notes: string[];
}

/**
 * One event id should have one decision (notification id) and so one chain of statuses. When a second
 * system shares the broker, its resolver decides our events too and our senders execute its commands, so
 * our log holds two chains. The chain that reached the terminal status is the one upstream saw.
 */
export function splitByChain(rows: TimelineEntry[], ownNotificationId: string | undefined) {
  const chainId = terminalEntries(rows)[0]?.notificationId ?? ownNotificationId;
  const inChain = (row: TimelineEntry) => !chainId || !row.notificationId || row.notificationId === chainId;
  return {
    timeline: rows.filter(inChain),
    others: rows.filter((row) => !inChain(row)),
    foreignChain: Boolean(ownNotificationId && chainId && chainId !== ownNotificationId),
  };
}

const SENDING_STATUSES = new Set(['SENT', 'FALLBACK', 'DELIVERED', 'SLIP_READY', 'FAILED', 'EXPIRED']);

export const terminalEntries = (timeline: TimelineEntry[]) =>
  timeline.filter((entry) => TERMINAL_STATUSES.has(entry.status));

/** Channels in the order they were tried: DIIA → VIBER → SMS. */
export function channelPath(timeline: TimelineEntry[]): Channel[] {
  const path: Channel[] = [];
  for (const entry of timeline) {
    if (entry.channel && SENDING_STATUSES.has(entry.status) && path.at(-1) !== entry.channel)
      path.push(entry.channel);
  }
  return path;
}

export const fallbackReasons = (timeline: TimelineEntry[]) =>
  timeline
    .filter((entry) => entry.status === 'FALLBACK')
    .map((entry) => `${entry.channel}:${entry.reason ?? '?'}`);

/** The recipient as the system reported it: from the terminal status, else from RESOLVED. */
export function reportedRecipient(timeline: TimelineEntry[]) {
  const withRecipient = timeline.filter((entry) => entry.recipient);
  return (terminalEntries(timeline)[0]?.recipient ?? withRecipient.at(-1)?.recipient) || undefined;
}

/** Compares the event's timeline with the contract's expectation; returns what differs (no personal data). */
export function checkAgainstExpectation(scenario: Scenario, timeline: TimelineEntry[]): string[] {
  const { expect } = scenario;
  const terminals = terminalEntries(timeline);
  if (terminals.length === 0)
    return [`no terminal status (last: ${timeline.at(-1)?.status ?? 'nothing recorded'})`];
  const problems: string[] = [];
  if (terminals.length > 1)
    problems.push(
      `${terminals.length} terminal statuses: ${terminals.map((entry) => entry.status).join(', ')}`,
    );
  const terminal = terminals[0];
  if (terminal.status !== expect.status)
    problems.push(`status ${terminal.status}, expected ${expect.status}`);
  const path = channelPath(timeline);
  if (path.join('→') !== expect.path.join('→'))
    problems.push(`path ${path.join(' → ') || '—'}, expected ${expect.path.join(' → ') || '—'}`);
  if (expect.status === 'DELIVERED' && terminal.channel !== expect.path.at(-1))
    problems.push(`delivered by ${terminal.channel}, expected ${expect.path.at(-1)}`);
  if (expect.reason && terminal.reason !== expect.reason)
    problems.push(`reason ${terminal.reason ?? '—'}, expected ${expect.reason}`);
  if (expect.recipient) problems.push(...checkRecipient(scenario, reportedRecipient(timeline)));
  return problems;
}

function checkRecipient(scenario: Scenario, reported: ReturnType<typeof reportedRecipient>): string[] {
  const wanted = scenario.expect.recipient!;
  if (!reported) return ['no recipient reported'];
  const problems: string[] = [];
  if (reported.personId !== wanted.person.snapshot.id) problems.push('recipient is not the expected person');
  if (reported.role !== wanted.role) problems.push(`role ${reported.role}, expected ${wanted.role}`);
  const maskedWanted = wanted.person.phone ? maskPhone(wanted.person.phone) : undefined;
  if (reported.maskedPhone !== maskedWanted)
    problems.push(`masked phone ${reported.maskedPhone ?? '—'}, expected ${maskedWanted ?? '—'}`);
  return problems;
}

/** The support API is for humans on a phone line: it must show masked phones only and never the code. */
export function checkNoSecrets(raw: string, phones: string[], code: string | undefined): string[] {
  const problems: string[] = [];
  // The 9 national digits catch every spelling (+380…, 380…, 0…).
  if (phones.some((phone) => raw.includes(phone.slice(-9))))
    problems.push('support API shows a full phone number');
  if (code && new RegExp(`(?<![\\w.:-])${code}(?![\\w.:-])`).test(raw))
    problems.push('support API shows the verification code');
  return problems;
}
