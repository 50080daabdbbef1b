import {
  type CanActivate,
  Controller,
  type ExecutionContext,
  Get,
  Injectable,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import { bearerMatches, InjectConfig } from '@app/runtime';
import { DataSource } from 'typeorm';
import type { ResolverConfig } from './resolver.config';

/**
 * The support token is checked in a guard, which Nest runs before pipes: a caller without the token gets 401
 * for any path, never a 400 that tells them what a valid event id looks like.
 */
@Injectable()
export class SupportTokenGuard implements CanActivate {
  constructor(@InjectConfig() private readonly config: ResolverConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const { headers } = context
      .switchToHttp()
      .getRequest<{ headers: Record<string, string | string[] | undefined> }>();
    const authorization = typeof headers.authorization === 'string' ? headers.authorization : undefined;
    if (!bearerMatches(authorization, this.config.SUPPORT_TOKEN)) throw new UnauthorizedException();
    return true;
  }
}

/** For the support line: "I did not get my code". Shows the decision and the timeline, phones masked. */
@Controller('notifications')
@UseGuards(SupportTokenGuard)
export class SupportController {
  constructor(private readonly dataSource: DataSource) {}

  @Get(':eventId')
  async show(@Param('eventId', new ParseUUIDPipe()) eventId: string) {
    const [notification] = await this.dataSource.query(
      `SELECT id, event_id, type, subject_person_id, state, decision, created_at, resolved_at FROM notification WHERE event_id = $1`,
      [eventId],
    );
    const timeline = await this.dataSource.query(
      `SELECT status, channel, reason, recipient, at FROM notification_status_log WHERE event_id = $1 ORDER BY at, id`,
      [eventId],
    );
    if (!notification && timeline.length === 0) throw new NotFoundException();
    // SMS deliveries carry their history across providers: tried, skipped while out (and why), accepted.
    const deliveries = await this.dataSource.query(
      `SELECT channel, state, attempts, last_error AS "lastError", late_report AS "lateReport", created_at AS "createdAt", finished_at AS "finishedAt",
              (SELECT coalesce(json_agg(json_build_object('provider', a.provider, 'outcome', a.outcome, 'reason', a.reason, 'at', a.at) ORDER BY a.at), '[]'::json)
               FROM sms_provider_attempt a WHERE a.delivery_id = delivery.id) AS "providerAttempts"
       FROM delivery WHERE event_id = $1 ORDER BY created_at`,
      [eventId],
    );
    return {
      eventId,
      notificationId: notification?.id,
      type: notification?.type,
      subjectPersonId: notification?.subject_person_id,
      state: notification?.state,
      receivedAt: notification?.created_at,
      resolvedAt: notification?.resolved_at,
      decision: notification?.decision ?? null,
      deliveries,
      timeline,
    };
  }
}
