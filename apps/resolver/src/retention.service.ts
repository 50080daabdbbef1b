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
  /** Terminal statuses before this time have had their codes purged by this process. */
  private purgedUpTo = new Date(0);

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

  /**
   * Purges the codes of events that became terminal more than RETENTION_HOURS ago. Each run reads only the
   * terminal statuses that came of age since the previous run (index on `at`), so its cost does not grow
   * with history; the first run after a start looks at all of them once.
   */
  async purgeExpiredCodes(): Promise<{ notifications: number; deliveries: number }> {
    const since = this.purgedUpTo;
    const [{ cutoff }]: { cutoff: Date }[] = await this.dataSource.query(
      `SELECT now() - make_interval(hours => $1) AS cutoff`,
      [this.config.RETENTION_HOURS],
    );
    const comingOfAge = `SELECT event_id FROM notification_status_log
                         WHERE is_terminal AND at < $1 AND at >= $2`;
    // TypeORM answers an UPDATE with [rows, affectedCount].
    const [, notifications] = await this.dataSource.query(
      `UPDATE notification SET request = request #- '{payload,sealedCode}'
       WHERE request->'payload' ? 'sealedCode' AND event_id IN (${comingOfAge})`,
      [cutoff, since],
    );
    const [, deliveries] = await this.dataSource.query(
      `UPDATE delivery SET command = command #- '{content,sealedCode}'
       WHERE command->'content' ? 'sealedCode' AND event_id IN (${comingOfAge})`,
      [cutoff, since],
    );
    // A status is written with the time it was decided, a moment before its commit: look back a little.
    this.purgedUpTo = new Date(cutoff.getTime() - 10 * 60_000);
    if (notifications + deliveries > 0)
      this.logger.info({ notifications, deliveries }, 'expired codes purged');
    return { notifications, deliveries };
  }
}
