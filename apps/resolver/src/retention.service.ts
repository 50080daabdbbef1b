import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectConfig, InjectLogger } from '@app/runtime';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import type { ResolverConfig } from './resolver.config';

const PURGE_EVERY_MS = 60_000;

/**
 * Contract §8: sealed codes are purged once the notification is terminal plus RETENTION_HOURS. One job for
 * the whole database (requests here, channel attempts of the senders); slips keep their own retention
 * because the MIS may still download them.
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly dataSource: DataSource,
    @InjectConfig() private readonly config: ResolverConfig,
    @InjectLogger() private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.purgeExpiredCodes().catch((error: unknown) =>
        this.logger.warn({ err: error }, 'code purge failed'),
      );
    }, PURGE_EVERY_MS);
  }

  beforeApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async purgeExpiredCodes(): Promise<{ notifications: number; deliveries: number }> {
    const terminalBefore = `SELECT event_id FROM notification_status_log
                            WHERE is_terminal AND at < now() - make_interval(hours => $1)`;
    // TypeORM answers an UPDATE with [rows, affectedCount].
    const [, notifications] = await this.dataSource.query(
      `UPDATE notification SET request = request #- '{payload,sealedCode}'
       WHERE request->'payload' ? 'sealedCode' AND event_id IN (${terminalBefore})`,
      [this.config.RETENTION_HOURS],
    );
    const [, deliveries] = await this.dataSource.query(
      `UPDATE delivery SET command = command #- '{content,sealedCode}'
       WHERE command->'content' ? 'sealedCode' AND event_id IN (${terminalBefore})`,
      [this.config.RETENTION_HOURS],
    );
    if (notifications + deliveries > 0)
      this.logger.info({ notifications, deliveries }, 'expired codes purged');
    return { notifications, deliveries };
  }
}
