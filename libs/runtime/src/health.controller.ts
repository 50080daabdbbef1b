import { Controller, Get, HttpCode, Inject, type OnApplicationShutdown } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import type { Admin, Kafka } from 'kafkajs';
import { ConsumerMembership } from './consumer-membership';
import { KAFKA } from './tokens';

@Controller()
export class HealthController implements OnApplicationShutdown {
  private admin?: Admin;

  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @Inject(KAFKA) private readonly kafka: Kafka,
    private readonly membership: ConsumerMembership,
  ) {}

  /**
   * Liveness (and the startup probe): the process serves HTTP. Deliberately nothing else: a Postgres or
   * Kafka outage must not make Kubernetes restart every pod at once (the apps reconnect by themselves).
   */
  @Get('health/live')
  @HttpCode(200)
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /**
   * Readiness: Postgres answers and, for an app that consumes, this replica is a working member of its
   * consumer group (joined, heartbeating, not stuck in a rebalance). 503 with the reason otherwise, so
   * the Service stops routing webhooks and MIS downloads to it and a rollout waits for it.
   */
  @Get('health/ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.db.pingCheck('database').withTimeout(1500),
      () => {
        const state = this.membership.snapshot();
        const details = {
          joined: state.joined,
          groupId: state.groupId,
          assigned: state.assigned,
          rebalances: state.rebalances,
          ...(state.reason ? { reason: state.reason } : {}),
        };
        const indicator = this.indicators.check('consumerGroup');
        return state.joined ? indicator.up(details) : indicator.down(details);
      },
    ]);
  }

  @Get('health')
  @HealthCheck()
  check() {
    return this.health.check([
      () => this.db.pingCheck('database').withTimeout(1500),
      () =>
        this.indicators
          .check('kafka')
          .attempt(async () => {
            const { brokers } = await this.kafkaAdmin().then((admin) => admin.describeCluster());
            return { brokers: brokers.length };
          })
          .withTimeout(3000),
    ]);
  }

  /** The admin client's sockets would otherwise keep the process (or a test's) alive after shutdown. */
  async onApplicationShutdown(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await admin?.disconnect();
  }

  private async kafkaAdmin(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      await admin.connect();
      this.admin = admin;
    }
    return this.admin;
  }
}
