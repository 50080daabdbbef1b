import { performance } from 'node:perf_hooks';
import { TERMINAL_STATUSES, Topic, type NotificationStatus } from '@app/contracts';
import type { Admin, Kafka } from 'kafkajs';
import { joined, startGroupAtEnd, wire } from '../lib/kafka';
import type { Cleanup } from './cleanup';
import { SCENARIOS, type ScenarioName } from './workload';

/**
 * Every event the bench offered, with what esoz.notification.status.v1 said about it, on this process's
 * monotonic clock: produce call → first RESOLVED / SENT seen → terminal status seen.
 */
export interface TrackedEvent {
  scenario: ScenarioName;
  /** Ladder step index; -1 for the warm-up. */
  step: number;
  producedAt: number;
  produceFailed: boolean;
  resolvedAt?: number;
  sentAt?: number;
  terminalAt?: number;
  terminal?: string;
  notificationId?: string;
  /** Statuses of this event carrying a second notification id: another system decided it too. */
  crossTalk: boolean;
  duplicateTerminals: number;
}

/** `DELIVERED/VIBER`, `SLIP_READY/SLIP`, `FAILED/NO_AUTH_METHOD`: how the bench names an outcome. */
export function outcomeOf(status: Pick<NotificationStatus, 'status' | 'channel' | 'reason'>): string {
  if (status.status === 'DELIVERED' || status.status === 'SLIP_READY')
    return `${status.status}/${status.channel}`;
  return status.reason ? `${status.status}/${status.reason}` : status.status;
}

export const expectedOutcome = (scenario: ScenarioName) =>
  `${SCENARIOS[scenario].expected.status}/${SCENARIOS[scenario].expected.channel}`;

export class EventTracker {
  readonly events = new Map<string, TrackedEvent>();
  private terminalCount = 0;
  /** Produced, not failed, not terminal yet, per step: kept as counters, the drain polls them often. */
  private readonly pendingByStep = new Map<number, number>();

  private adjustPending(step: number, by: number): void {
    this.pendingByStep.set(step, (this.pendingByStep.get(step) ?? 0) + by);
  }

  produced(eventId: string, scenario: ScenarioName, step: number, at: number): void {
    this.events.set(eventId, {
      scenario,
      step,
      producedAt: at,
      produceFailed: false,
      crossTalk: false,
      duplicateTerminals: 0,
    });
    this.adjustPending(step, 1);
  }

  produceFailed(eventId: string): void {
    const event = this.events.get(eventId);
    if (!event || event.produceFailed) return;
    event.produceFailed = true;
    if (event.terminalAt === undefined) this.adjustPending(event.step, -1);
  }

  isOurs(eventId: string): boolean {
    return this.events.has(eventId);
  }

  /** Terminal statuses of our events seen so far (monotonic counter). */
  get terminalsSeen(): number {
    return this.terminalCount;
  }

  observe(status: NotificationStatus, at: number): void {
    const event = this.events.get(status.eventId);
    if (!event) return;
    if (status.notificationId) {
      if (event.notificationId === undefined) event.notificationId = status.notificationId;
      else if (event.notificationId !== status.notificationId) event.crossTalk = true;
    }
    if (status.status === 'RESOLVED') event.resolvedAt ??= at;
    else if (status.status === 'SENT') event.sentAt ??= at;
    if (!TERMINAL_STATUSES.has(status.status)) return;
    if (event.terminalAt !== undefined) {
      event.duplicateTerminals++;
      return;
    }
    event.terminalAt = at;
    event.terminal = outcomeOf(status);
    this.terminalCount++;
    if (!event.produceFailed) this.adjustPending(event.step, -1);
  }

  /** Events of `step` (or all, without) that were produced and have no terminal status yet. */
  pending(step?: number): number {
    if (step !== undefined) return this.pendingByStep.get(step) ?? 0;
    let count = 0;
    for (const value of this.pendingByStep.values()) count += value;
    return count;
  }

  ofStep(step: number): TrackedEvent[] {
    return [...this.events.values()].filter((event) => event.step === step);
  }
}

/**
 * A consumer of the status topic in a group of its own, positioned at the topic's current ends before it
 * joins, so it sees exactly what is published from now on. The key of a status is its event id (contract
 * §3): statuses of other events are skipped without being parsed.
 */
export async function startStatusProbe(
  kafka: Kafka,
  admin: Admin,
  groupId: string,
  tracker: EventTracker,
  cleanup: Cleanup,
): Promise<void> {
  await startGroupAtEnd(admin, groupId, [Topic.NotificationStatus]);
  cleanup.addGroups([groupId]);
  // An idle fetch waits up to 1 s (data is returned at once, so latency is unaffected): a 50 ms wait made the
  // probe itself 20 fetches a second of the "idle" Kafka it measures.
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 1000, allowAutoTopicCreation: false });
  const joinedGroup = joined(consumer);
  await consumer.connect();
  cleanup.add('status probe', () => consumer.disconnect());
  await consumer.subscribe({ topics: [wire(Topic.NotificationStatus)], fromBeginning: false });
  await consumer.run({
    partitionsConsumedConcurrently: 6,
    eachBatch: async ({ batch }) => {
      const now = performance.now();
      for (const message of batch.messages) {
        if (!message.value) continue;
        const key = message.key?.toString();
        if (key !== undefined && !tracker.isOurs(key)) continue;
        try {
          tracker.observe(JSON.parse(message.value.toString()) as NotificationStatus, now);
        } catch {
          // not JSON: not a status of ours
        }
      }
    },
  });
  await joinedGroup;
}
