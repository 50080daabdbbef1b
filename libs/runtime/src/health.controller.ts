import { Controller, Get, Inject, type OnApplicationShutdown } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import type { Admin, Kafka } from 'kafkajs';
import { KAFKA } from './tokens';

@Controller()
export class HealthController implements OnApplicationShutdown {
  private admin?: Admin;

  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @Inject(KAFKA) private readonly kafka: Kafka,
  ) {}

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
