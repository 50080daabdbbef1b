import type { Consumer } from 'kafkajs';
import type { Observable } from 'rxjs';

export interface MembershipSnapshot {
  /** This replica consumes: it has bindings and so a consumer group. */
  consuming: boolean;
  /** In the group with an assignment (GROUP_JOIN seen and not crashed, stopped or dropped since). */
  joined: boolean;
  groupId?: string;
  memberId?: string;
  /** Partitions assigned to this replica by topic (counts only: never ids or keys). */
  assigned: Record<string, number>;
  /** Milliseconds since the last successful heartbeat, when one has happened. */
  sinceHeartbeatMs?: number;
  /** Milliseconds the current rebalance has lasted, when one is under way. */
  rebalancingMs?: number;
  rebalances: number;
  reason?: string;
}

/**
 * Whether this replica is a working member of its consumer group, for `/health/ready` and the metrics. It
 * listens to the transport's status and to the kafkajs consumer's own events (group join, heartbeat,
 * rebalance, crash, stop), so it does not depend on the transport's internals.
 */
export class ConsumerMembership {
  private groupId?: string;
  private consuming = false;
  private joined = false;
  private memberId?: string;
  private assigned: Record<string, number> = {};
  private lastHeartbeatAt?: number;
  private rebalancingSince?: number;
  private rebalances = 0;
  private reason = 'not started';
  private readonly detach: (() => void)[] = [];

  constructor(
    /** A member silent for longer than this (the session timeout) has been dropped by the coordinator. */
    private readonly sessionTimeoutMs: number,
    /** A rebalance lasting longer than this (the rebalance timeout) means the member is not coming back. */
    private readonly rebalanceTimeoutMs: number,
    /** Called once per rebalance this replica takes part in (the metrics count them). */
    private readonly onRebalance: () => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** Follows the transport's status stream (`connected`, `rebalancing`, `crashed`, `stopped`). */
  followStatus(groupId: string, status: Observable<string>): void {
    this.groupId = groupId;
    this.consuming = true;
    const subscription = status.subscribe((value) => {
      if (value === 'connected') this.onJoin();
      else if (value === 'rebalancing') this.onRebalancing();
      else if (value === 'crashed' || value === 'stopped') this.onLeft(value);
    });
    this.detach.push(() => subscription.unsubscribe());
  }

  /** Adds the consumer's own events once the transport has created it (heartbeats, assignment, crashes). */
  attach(consumer: Consumer): void {
    const { events } = consumer;
    this.detach.push(
      consumer.on(events.GROUP_JOIN, ({ payload }) => {
        this.memberId = payload.memberId;
        this.assigned = Object.fromEntries(
          Object.entries(payload.memberAssignment).map(([topic, partitions]) => [topic, partitions.length]),
        );
        this.onJoin();
      }),
      consumer.on(events.HEARTBEAT, () => {
        this.lastHeartbeatAt = this.now();
      }),
      consumer.on(events.REBALANCING, () => this.onRebalancing()),
      consumer.on(events.CRASH, ({ payload }) => this.onLeft(`crashed (${payload.error.name})`)),
      consumer.on(events.STOP, () => this.onLeft('stopped')),
      consumer.on(events.DISCONNECT, () => this.onLeft('disconnected')),
    );
  }

  close(): void {
    for (const detach of this.detach.splice(0)) detach();
  }

  snapshot(): MembershipSnapshot {
    const now = this.now();
    const snapshot: MembershipSnapshot = {
      consuming: this.consuming,
      joined: false,
      groupId: this.groupId,
      memberId: this.memberId,
      assigned: this.joined ? { ...this.assigned } : {},
      rebalances: this.rebalances,
    };
    if (this.lastHeartbeatAt !== undefined) snapshot.sinceHeartbeatMs = now - this.lastHeartbeatAt;
    if (this.rebalancingSince !== undefined) snapshot.rebalancingMs = now - this.rebalancingSince;
    if (!this.consuming) return { ...snapshot, joined: true, reason: 'no consumer' };
    if (!this.joined) return { ...snapshot, reason: this.reason };
    if (snapshot.rebalancingMs !== undefined && snapshot.rebalancingMs > this.rebalanceTimeoutMs)
      return { ...snapshot, reason: `rebalancing for ${snapshot.rebalancingMs} ms` };
    if (snapshot.sinceHeartbeatMs !== undefined && snapshot.sinceHeartbeatMs > this.sessionTimeoutMs)
      return { ...snapshot, reason: `no heartbeat for ${snapshot.sinceHeartbeatMs} ms` };
    return { ...snapshot, joined: true };
  }

  private onJoin(): void {
    if (!this.joined || this.rebalancingSince !== undefined) this.lastHeartbeatAt = this.now();
    this.joined = true;
    this.rebalancingSince = undefined;
    this.reason = '';
  }

  private onRebalancing(): void {
    if (this.rebalancingSince === undefined) {
      this.rebalancingSince = this.now();
      this.rebalances++;
      this.onRebalance();
    }
  }

  private onLeft(reason: string): void {
    this.joined = false;
    this.rebalancingSince = undefined;
    this.assigned = {};
    this.reason = reason;
  }
}
